import type { AppLock, Clock, ConsoleLike, Logger } from '@polecat/app-lock';
import type { DatabaseSource, ProjectionDatabase } from './projection-database';
import type { ShardName } from './shard-name';

/**
 * The shards to coordinate: one fixed list for every database, or a function called for each
 * database at every distribution build (so shards can differ per database and change over time).
 */
export type ShardSource = readonly ShardName[] | ((database: ProjectionDatabase, signal?: AbortSignal) => readonly ShardName[] | Promise<readonly ShardName[]>);

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

/**
 * Where the locks of a database live, when several databases of a store share one lock server (one
 * connection string for every tenant, or a `createLock` that returns locks on the same server): a
 * name for that server (the same for every database on it), or a function naming each database's
 * (`undefined`: the database's locks live on a server of its own). Databases with a lock host get
 * lock ids that include their identity (`database.id`), so tenants on one server never share a
 * lock; databases without one keep the original ids. Say it for a custom `createLock`; `runShards`
 * sets it when one connection serves every database. Decide it once per database: a database's lock
 * ids must be the same on every node, whichever other databases exist.
 * @example lockHost: 'tenants-server' // every database's locks on one server
 * @example lockHost: (db) => tenantRegistry.serverOf(db.id) // per tenant; shared servers appear more than once
 */
export type LockHostSource = string | ((database: ProjectionDatabase) => string | undefined);

/** Options of the distributors that take locks. */
export interface LockingDistributorOptions extends DistributorOptions {
  /**
   * Creates the lock owner (one dedicated connection) of one database. Called lazily, at most once
   * per database while that database stays in the list; the owner is reused across cycles and
   * disposed when the database disappears or the distributor is disposed. Required unless
   * `createHomeLock` serves every database. With member watchers (`watchMembers`) it is called ONCE
   * more per lock owner for the watcher's own owner: return a new owner each call (one returning
   * the same instance gets no watcher).
   */
  readonly createLock?: (database: ProjectionDatabase) => AppLock;
  /**
   * Where `createLock(database)` takes its locks when databases share a lock server (see
   * {@link LockHostSource}). Default: none (one lock host per database: the original lock ids).
   */
  readonly lockHost?: LockHostSource;
  /**
   * A LOCK HOME per lock host: creates the ONE lock owner (one connection) shared by every database
   * whose `lockHost` is `lockHost`, instead of one `createLock(database)` per database. A node then
   * needs one lock connection per lock server, whatever the number of tenants, and sends one attempt
   * and one membership probe round trip per home and cycle. Lock ids are the `lockHost` ones (the
   * database's identity hashed in); member slots are per home (one per node); fencing epochs are not
   * affected (they stay wherever the agents write). Losing the home's connection loses the sets of
   * all its databases at once. Requires `lockHost`; databases without a lock host still use
   * `createLock` (required then). Called lazily, once per home; the home is disposed when its last
   * database left the list (and released its sets) or the distributor is disposed. With member
   * watchers it is called once more per home, for the watcher's own owner (return a new owner).
   * @example createHomeLock: () => new PostgresAppLock(process.env.LOCKS_URL!), lockHost: 'locks'
   */
  readonly createHomeLock?: (lockHost: string) => AppLock;
  /**
   * Member slots per database (per lock home with `createHomeLock`) used by `probeMembership` (balancing): each node holds one, so at most
   * this many nodes are counted (more nodes still work; the extras count themselves only). `0`
   * disables membership. Default `DEFAULT_MAX_NODES` (64).
   */
  readonly maxNodes?: number;
  /**
   * Member watchers (when the `AppLock` implements `waitForLock` and membership is on): per lock
   * owner (per database, or per lock home), once this node is a member and another member is live,
   * a SECOND lock owner from `createLock` (`createHomeLock` for a home) keeps a waiting lock request on the member slot of this node's predecessor in the
   * ring of live members, so the server itself tells this node, within milliseconds, that a member
   * died (see `ProjectionDistributor.onMemberLeft`). `false`: no watcher (learn it at the next poll).
   * Default `true`.
   */
  readonly watchMembers?: boolean;
}
