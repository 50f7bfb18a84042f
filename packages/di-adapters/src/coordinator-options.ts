import type { AppLock, Clock, ConsoleLike, Logger } from '@polecat/app-lock';
import type { AgentFunction, CoordinatorSettingsInput, EpochSource, OwnershipIntentSource, OwnershipPolicy, ProjectionDaemon } from '@polecat/coordinator';
import type { DatabaseSource, LockHostSource, MultiTenantedLockIdStrategy, ProjectionDatabase, ProjectionDistributor, ShardName } from '@polecat/distributors';

/** The store name used when none is given. */
export const DEFAULT_STORE = 'default';

/** The database used when none is given: one database, id `default`, schema `dbo`. */
export const DEFAULT_DATABASES: readonly ProjectionDatabase[] = Object.freeze([Object.freeze({ id: 'default' })]);

/**
 * The shards of a store: agent functions by shard name (`Trip`) or identity (`Trip:V2:All`), or a
 * list of names when `daemonFor` supplies the agents.
 */
export type ShardsInput = Readonly<Record<string, AgentFunction>> | readonly (string | ShardName)[];

/**
 * Everything one store's coordinator is built from. Give agent functions in `shards`, and either
 * `createLock` (one lock owner per database), or a ready `distributor`. Nothing connects until the
 * coordinator starts.
 */
export interface CoordinatorOptions {
  /** The store this coordinator serves: its name, DI token and Awilix name derive from it. Default `'default'`. */
  readonly store?: string;
  /** The shards and their agents (see {@link ShardsInput}). Required unless the mode is `Disabled`. */
  readonly shards?: ShardsInput;
  /** The databases (tenants) of the store, or a function re-read every cycle. Default: one database `{ id: 'default' }`. */
  readonly databases?: DatabaseSource;
  /** Creates the lock owner (one dedicated connection) of a database. Required for `HotCold` unless `distributor` (or `createHomeLock` for every database) is given. */
  readonly createLock?: (database: ProjectionDatabase) => AppLock;
  /**
   * Where `createLock(database)` takes its locks when several databases share one lock server (a
   * name, or `(database) => name | undefined`): those databases get lock ids that include their
   * identity, so every tenant runs (see `LockHostSource` in `@polecat/distributors`). `runShards`
   * sets it when one connection serves several databases. Default: one lock host per database.
   */
  readonly lockHost?: LockHostSource;
  /**
   * A lock home per lock host: the ONE lock owner (one connection) shared by every database whose
   * `lockHost` names it, instead of one `createLock(database)` per database (see `createHomeLock` in
   * `@polecat/distributors`). Needs `lockHost`. `runShards` sets it when one connection serves
   * several databases. Default: none (one lock owner per database).
   */
  readonly createHomeLock?: (lockHost: string) => AppLock;
  /** A ready distributor; replaces the one this package would pick (then `createLock` and `databases` are not used). */
  readonly distributor?: ProjectionDistributor;
  /** Custom daemons instead of agent functions (one per database). */
  readonly daemonFor?: (database: ProjectionDatabase) => ProjectionDaemon;
  /** Coordinator timings (`leadershipPollingTimeMs`, `stopDrainTimeoutMs`, `daemonLockId`, ...). Defaults: the original's. */
  readonly settings?: CoordinatorSettingsInput;
  /**
   * MultiTenanted lock ids: `'per-store'` (default, two stores in one database never collide) or
   * `'polecat-compatible'` (the raw `daemonLockId`, shared with .NET Polecat nodes).
   */
  readonly lockIdStrategy?: MultiTenantedLockIdStrategy;
  /** Where diagnostics go: a `Logger`, `console`, pino or winston; `false` silences. Default: warnings and errors to stderr (`stderrLogger`). */
  readonly logger?: Logger | ConsoleLike | false;
  /** Time source. Default: `systemClock`. */
  readonly clock?: Clock;
  /** Random source for the start-up wait and set order. Default `Math.random`. */
  readonly random?: () => number;
  /** Fencing epochs handed to agents on every grant. */
  readonly epochs?: EpochSource;
  /** Balancing seam: which sets to attempt / hand over each cycle. Default: attempt all. */
  readonly policy?: OwnershipPolicy;
  /** Operator intents (pause shards, drain the node), read every cycle; e.g. `@polecat/ops`. Default: none. */
  readonly ownershipIntents?: OwnershipIntentSource;
}
