import type { AppLock, Clock } from '@polecat/app-lock';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import {
  MultiTenantedProjectionDistributor,
  SingleTenantProjectionDistributor,
  shardName,
  type ProjectionDatabase,
  type ShardName,
} from '@polecat/distributors';
import { preciseNow, type OwnershipLedger } from '@polecat/test-utils';
import type { CoordinatorSettingsInput } from '../../src/coordinator-settings';
import { createFunctionDaemonFactory, type AgentContext } from '../../src/function-agent-daemon';
import type { OwnershipPolicy } from '../../src/ownership-policy';
import { ProjectionCoordinator } from '../../src/projection-coordinator';

/** Fast timings for the multi-node suites (the defaults poll every 5 s). */
export const FAST_SETTINGS: CoordinatorSettingsInput = { leadershipPollingTimeMs: 250, stopDrainTimeoutMs: 2_000 };
/** Lock owner timings: verify every 500 ms, a request stalled for 1 s drops the connection. */
export const FAST_LOCK = { verifyIntervalMs: 500, requestTimeoutMs: 1_000, connectTimeoutMs: 2_000 } as const;

/** A random lock-id base and shard prefix, so suites sharing one server never meet. */
export function randomScope(): { readonly daemonLockId: number; readonly prefix: string } {
  const daemonLockId = 10_000_000 + Math.floor(Math.random() * 1_000_000_000);
  return { daemonLockId, prefix: `T${daemonLockId.toString(36)}x` };
}

/** `count` shard names `${prefix}${i}`. */
export function shardNames(prefix: string, count: number): ShardName[] {
  return Array.from({ length: count }, (_, i) => shardName(`${prefix}${i}`));
}

export interface NodeDatabase extends ProjectionDatabase {
  readonly url: string;
}

export interface InProcessNodeOptions {
  readonly id: string;
  readonly databases: readonly NodeDatabase[];
  readonly shards: readonly ShardName[];
  readonly daemonLockId: number;
  readonly ledger: OwnershipLedger;
  readonly multiTenanted?: boolean;
  readonly storeName?: string;
  readonly settings?: CoordinatorSettingsInput;
  readonly policy?: OwnershipPolicy;
  /** Default: a PostgresAppLock on the database's url, `application_name` = node id, {@link FAST_LOCK}. */
  readonly createLock?: (database: NodeDatabase, applicationName: string) => AppLock;
  /** The distributor's clock (default: the system clock). */
  readonly distributorClock?: Clock;
}

/** One coordinator node inside the test process, with its own lock connection(s). */
export interface InProcessNode {
  readonly id: string;
  readonly coordinator: ProjectionCoordinator;
  readonly locks: readonly AppLock[];
  /** Running agents as `database/shard`. */
  running(): ReadonlySet<string>;
  stop(): Promise<void>;
}

/** Builds (not starts) a node whose agents run until aborted and record themselves in `ledger` (`database/shard`). */
export function createInProcessNode(options: InProcessNodeOptions): InProcessNode {
  const running = new Set<string>();
  const locks: AppLock[] = [];
  const byId = new Map(options.databases.map((db) => [db.id, db]));
  const createLock = (database: ProjectionDatabase): AppLock => {
    const db = byId.get(database.id)!;
    const lock = options.createLock?.(db, options.id) ?? new PostgresAppLock(db.url, { applicationName: options.id, ...FAST_LOCK });
    locks.push(lock);
    return lock;
  };
  const distributorOptions = {
    databases: options.databases.map(({ id, schema }) => ({ id, schema: schema ?? 'public' })),
    shards: options.shards,
    daemonLockId: options.daemonLockId,
    createLock,
    ...(options.distributorClock === undefined ? {} : { clock: options.distributorClock }),
  };
  const distributor = options.multiTenanted
    ? new MultiTenantedProjectionDistributor({ ...distributorOptions, ...(options.storeName === undefined ? {} : { storeName: options.storeName }) })
    : new SingleTenantProjectionDistributor(distributorOptions);
  const agent = async ({ signal, shard, database }: AgentContext): Promise<void> => {
    const key = `${database.id}/${shard.identity}`;
    running.add(key);
    options.ledger.start(options.id, key, preciseNow());
    await new Promise<void>((resolve) => {
      const stopped = (): void => {
        options.ledger.stop(options.id, key, preciseNow());
        running.delete(key);
        resolve();
      };
      if (signal.aborted) stopped();
      else signal.addEventListener('abort', stopped, { once: true });
    });
  };
  const coordinator = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor,
    daemonFor: createFunctionDaemonFactory(() => agent),
    settings: { ...FAST_SETTINGS, ...options.settings },
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  });
  return { id: options.id, coordinator, locks, running: () => running, stop: () => coordinator.dispose() };
}

/** Polls `check` every 25 ms until it returns true; rejects after `timeoutMs` (default 15 s) with `what`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
