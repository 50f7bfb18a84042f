import type { AppLock, Clock, ConsoleLike, Logger } from '@polecat/app-lock';
import type { DatabaseSource, ProjectionDatabase } from './projection-database';
import type { ShardName } from './shard-name';

/**
 * The shards to coordinate: one fixed list for every database, or a function called for each
 * database at every distribution build (so shards can differ per database and change over time).
 */
export type ShardSource =
  | readonly ShardName[]
  | ((database: ProjectionDatabase, signal?: AbortSignal) => readonly ShardName[] | Promise<readonly ShardName[]>);

/** Options shared by every distributor. */
export interface DistributorOptions {
  /** The databases of the store: a fixed list, or a function re-read at every build. */
  readonly databases: DatabaseSource;
  /** The shards (see {@link ShardSource}). Identities must be unique per database. */
  readonly shards: ShardSource;
  /** The base added to every hashed lock id (the originals' `daemonLockId`). Default 4444. */
  readonly daemonLockId?: number;
  /** Where diagnostics go (`console`, pino or a {@link Logger}). Default: silent. */
  readonly logger?: Logger | ConsoleLike;
  /** Random source in [0, 1) for the shuffled set order and the start-up wait. Default `Math.random`. */
  readonly random?: () => number;
  /** Time source for the start-up wait. Default `systemClock`. */
  readonly clock?: Clock;
}

/** Options of the distributors that take locks. */
export interface LockingDistributorOptions extends DistributorOptions {
  /**
   * Creates the lock owner (one dedicated connection) of one database. Called lazily, at most once
   * per database while that database stays in the list; the owner is reused across cycles and
   * disposed when the database disappears or the distributor is disposed.
   */
  readonly createLock: (database: ProjectionDatabase) => AppLock;
  /**
   * Member slots per database used by `probeMembership` (balancing): each node holds one, so at most
   * this many nodes are counted (more nodes still work; the extras count themselves only). `0`
   * disables membership. Default `DEFAULT_MAX_NODES` (64).
   */
  readonly maxNodes?: number;
}
