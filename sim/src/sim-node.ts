import type { AppLock, Clock } from '@polecat/app-lock';
import {
  ProjectionCoordinator,
  createFunctionDaemonFactory,
  type AgentContext,
  type CoordinatorSettingsInput,
  type EpochSource,
  type ProjectionDaemon,
} from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, type ProjectionDatabase, type ProjectionDistributor, type ShardName } from '@polecat/distributors';
import type { SimLockServer } from './lock-server';
import type { OwnershipLedger } from './ownership-ledger';
import type { Random } from './prng';
import type { Scheduler } from './scheduler';
import { SimAppLock, SimLockDriver } from './sim-lock-driver';

/** What every node of a run shares. */
export interface SimWorld {
  readonly scheduler: Scheduler;
  readonly random: Random;
  readonly server: SimLockServer;
  readonly ledger: OwnershipLedger;
  readonly epochs: EpochSource;
  readonly shards: readonly ShardName[];
  readonly databases: readonly ProjectionDatabase[];
  readonly settings: CoordinatorSettingsInput;
  /** How long an aborted agent takes to return, drawn per run (ms). */
  readonly drainMs: () => number;
  /** Appends a line to the trace (no-op without `--trace`). */
  readonly trace: (line: string) => void;
  /** Builds a node's distributor; the default is the real SingleTenant one. */
  readonly distributorFor?: (options: DistributorParts) => ProjectionDistributor;
  /** Wraps a node's daemon (used to re-introduce defects in tests). */
  readonly wrapDaemon?: (daemon: ProjectionDaemon, clock: Clock) => ProjectionDaemon;
}

/** What a distributor is built from. */
export interface DistributorParts {
  readonly databases: readonly ProjectionDatabase[];
  readonly shards: readonly ShardName[];
  readonly createLock: () => AppLock;
  readonly random: () => number;
  readonly clock: Clock;
}

/** Lifecycle of a simulated node. */
export type NodeLife = 'running' | 'stopping' | 'stopped' | 'crashed';

/** One process: the REAL coordinator, distributor, `SessionAppLock`s and daemon on the simulated clock and server. */
export class SimNode {
  readonly name: string;
  readonly instance: string;
  readonly coordinator: ProjectionCoordinator;
  readonly #world: SimWorld;
  #life: NodeLife = 'running';

  constructor(world: SimWorld, name: string, generation: number) {
    this.#world = world;
    this.name = name;
    this.instance = `${name}#${generation}`;
    const instance = this.instance;
    const clock = world.scheduler.clockFor(instance);
    const parts: DistributorParts = {
      databases: world.databases,
      shards: world.shards,
      createLock: () => new SimAppLock(new SimLockDriver(world.server, instance, clock), clock),
      random: () => world.random.next(),
      clock,
    };
    const distributor = world.distributorFor?.(parts) ?? new SingleTenantProjectionDistributor(parts);
    const daemons = createFunctionDaemonFactory((shard, database) => this.#agent(`${database.id}/${shard.identity}`, clock), { clock });
    const wrap = world.wrapDaemon;
    this.coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor,
      daemonFor: wrap === undefined ? daemons : (database) => wrap(daemons(database), clock),
      settings: world.settings,
      clock,
      epochs: world.epochs,
      // the simulation's own trace reports what matters; the default stderr logger would print every simulated fault
      logger: false,
    });
    this.coordinator.on('lockLost', ({ set }) => world.trace(`${instance} lost ${set.key}`));
    this.coordinator.on('takeover', ({ set, cause }) => world.trace(`${instance} took ${set.key} (${cause})`));
  }

  get life(): NodeLife {
    return this.#life;
  }

  /** Whether the node is cut off now (frozen or partitioned). */
  get cutOff(): boolean {
    return this.#world.scheduler.isFrozen(this.instance) || this.#world.server.network.partitionedSince(this.instance) !== undefined;
  }

  start(): void {
    this.#world.trace(`${this.instance} starts`);
    this.coordinator.start().catch((error: unknown) => this.#world.trace(`${this.instance} start failed: ${String(error)}`));
  }

  /** Graceful stop (SIGTERM): agents drained, locks released. */
  stop(): Promise<void> {
    this.#life = 'stopping';
    this.#world.trace(`${this.instance} stops`);
    return this.coordinator.stop().then(
      () => {
        this.#life = 'stopped';
        this.#world.trace(`${this.instance} stopped`);
      },
      (error: unknown) => {
        this.#life = 'stopped';
        this.#world.trace(`${this.instance} stop failed: ${String(error)}`);
      },
    );
  }

  /**
   * The process dies. `process`: the OS resets its connections (the server hears it after one
   * link latency). `machine`: nothing is said; the server ends the sessions at its keepalive.
   */
  crash(kind: 'process' | 'machine'): void {
    const { scheduler, server, ledger } = this.#world;
    this.#life = 'crashed';
    this.#world.trace(`${this.instance} crashes (${kind})`);
    scheduler.kill(this.instance);
    ledger.crashed(this.instance);
    if (kind === 'machine') server.network.partition(this.instance);
    else scheduler.schedule('server', 1, () => server.nodeDied(this.instance));
  }

  freeze(): void {
    this.#world.trace(`${this.instance} freezes`);
    this.#world.scheduler.freeze(this.instance);
    this.#world.ledger.cutOff(this.instance);
  }

  thaw(): void {
    this.#world.trace(`${this.instance} resumes`);
    this.#world.scheduler.thaw(this.instance);
  }

  partition(): void {
    this.#world.trace(`${this.instance} partitioned`);
    this.#world.server.network.partition(this.instance);
    this.#world.ledger.cutOff(this.instance);
  }

  heal(): void {
    if (this.#life === 'crashed') return; // a dead machine stays silent
    this.#world.trace(`${this.instance} healed`);
    this.#world.server.network.heal(this.instance);
  }

  /** An agent: runs until its signal aborts, then takes its drain time to return. */
  #agent(shard: string, clock: Clock): (context: AgentContext) => Promise<void> {
    const world = this.#world;
    return async ({ signal, epoch }) => {
      // a grant that crossed the server's revocation of this node's session: cut off until it hears the reset
      const run = world.ledger.start(this.instance, shard, epoch, this.cutOff || world.server.revokedUnheard(this.instance));
      world.trace(`${this.instance} runs ${shard} (epoch ${epoch})`);
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      const drain = world.drainMs();
      if (drain > 0) await clock.sleep(drain);
      world.ledger.stop(run);
      world.trace(`${this.instance} returned ${shard} after ${drain} ms`);
    };
  }
}
