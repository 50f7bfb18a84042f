import type { AppLock } from '@polecat/app-lock';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { ProjectionCoordinator, createFunctionDaemonFactory } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName, type ProjectionDistributor } from '@polecat/distributors';
import { sequentialAttempts } from '@polecat/test-utils';
import { scope, type BenchConfig } from './configs';

export interface CycleCostResult {
  readonly config: BenchConfig['name'];
  readonly shards: number;
  readonly role: 'owner' | 'standby';
  /** Lock round trips during one cycle (average). */
  readonly roundTrips: number;
  /** Wall time of one cycle (average, ms). */
  readonly wallMs: number;
}

const HOUR = 3_600_000;

/** The database a cycle-cost run uses: its schema and how to open one node's lock. */
export interface CycleCostTarget {
  readonly schema: string;
  /** A new lock for the node named `applicationName`, with the configuration's lock options. */
  createLock(applicationName: string, config: BenchConfig): AppLock;
}

/** The PostgreSQL at `url`. */
export function postgresCycleTarget(url: string): CycleCostTarget {
  return { schema: 'public', createLock: (applicationName, config) => new PostgresAppLock(url, { applicationName, ...config.lock }) };
}

/** Benchmark 2: one owner holding every shard and one standby denied everything; cycles forced with `wake()`. */
export async function runCycleCost(target: CycleCostTarget, config: BenchConfig, shardCounts: readonly number[], cycles: number): Promise<CycleCostResult[]> {
  const results: CycleCostResult[] = [];
  for (const count of shardCounts) {
    const { daemonLockId, prefix } = scope('c');
    const shards = Array.from({ length: count }, (_, i) => shardName(`${prefix}${i}`));
    const make = (id: string) => {
      const lock = target.createLock(id, config);
      const plain = new SingleTenantProjectionDistributor({ databases: [{ id: 'main', schema: target.schema }], shards, daemonLockId, createLock: () => lock });
      const distributor: ProjectionDistributor = config.sequentialAttempts ? sequentialAttempts(plain) : plain;
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor,
        daemonFor: createFunctionDaemonFactory(
          () =>
            ({ signal }) =>
              new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
        ),
        // cycles only when woken, so each measured cycle is exactly one
        settings: { ...config.coordinator, leadershipPollingTimeMs: HOUR, takeoverPollingTimeMs: HOUR },
      });
      return { lock, coordinator };
    };
    const owner = make(`${prefix}-owner`);
    const standby = make(`${prefix}-standby`);
    try {
      await owner.coordinator.start();
      await ownsAll(owner.coordinator, count); // whenOwned() re-reads the status on every event: quadratic at 10 000
      // listen before start(): start() itself may wait for the first cycle (startCheckMs)
      const firstCycle = nextCycle(standby.coordinator);
      await standby.coordinator.start();
      await firstCycle; // first cycle (after the random wait)
      for (const [role, node] of [
        ['owner', owner],
        ['standby', standby],
      ] as const) {
        const runs = count >= 10_000 && config.sequentialAttempts && role === 'standby' ? Math.min(cycles, 2) : cycles;
        let trips = 0;
        let wall = 0;
        for (let i = 0; i < runs; i += 1) {
          const before = node.lock.stats().roundTrips;
          const cycle = nextCycle(node.coordinator);
          const started = performance.now();
          node.coordinator.wake();
          await cycle;
          wall += performance.now() - started;
          trips += node.lock.stats().roundTrips - before;
        }
        results.push({ config: config.name, shards: count, role, roundTrips: trips / runs, wallMs: wall / runs });
      }
    } finally {
      await standby.coordinator.stop();
      await owner.coordinator.stop();
    }
  }
  return results;
}

function nextCycle(coordinator: ProjectionCoordinator): Promise<void> {
  return new Promise((resolve) => {
    const off = coordinator.on('cycle', () => {
      off();
      resolve();
    });
  });
}

async function ownsAll(coordinator: ProjectionCoordinator, count: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (coordinator.status().owned.length !== count) {
    if (Date.now() > deadline) throw new Error(`owner did not take ${count} sets`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
