/**
 * The wire protocol between a parent (test, bench, chaos run) and one coordinator node process
 * started by {@link spawnNode}: the parent passes a {@link NodeProcessConfig} as JSON (argv or the
 * `POLECAT_NODE_CONFIG` environment variable); the child writes one {@link NodeEvent} JSON object per
 * line on stdout and reads {@link NodeCommand} JSON lines on stdin. Diagnostics go to stderr.
 */

/** One database the node coordinates. `url` is a PostgreSQL connection string. */
export interface NodeDatabaseConfig {
  readonly id: string;
  readonly url: string;
  /** Schema hashed into lock ids. Default `public`. */
  readonly schema?: string;
}

/** Where the child loads the workspace packages from (so tests can run a package's own sources). */
export interface NodeModulesConfig {
  /** Specifier or absolute path of `@polecat/coordinator` (a `.ts` path works: the child runs under tsx). */
  readonly coordinator?: string;
  /** Specifier or absolute path of `@polecat/distributors`. */
  readonly distributors?: string;
  /** Specifier or absolute path of `@polecat/app-lock-postgres`. */
  readonly appLockPostgres?: string;
}

/** Settings of one node process. Everything but `id`, `databases` and `shards` has a default. */
export interface NodeProcessConfig {
  /** Node id: also the `application_name` of its lock sessions (so tests can find and kill them). */
  readonly id: string;
  /** One database (SingleTenant) or several (MultiTenanted, unless `distributor` says otherwise). */
  readonly databases: readonly NodeDatabaseConfig[];
  /** A shard count (named `${shardPrefix}${i}`, i from 0) or explicit shard names. */
  readonly shards: number | readonly string[];
  /** Default `S`. Use a random prefix per test so suites sharing one server never collide. */
  readonly shardPrefix?: string;
  /** Default: SingleTenant for one database, MultiTenanted for several. */
  readonly distributor?: 'single-tenant' | 'multi-tenanted';
  /** The lock-id base (`daemonLockId`). Default 4444; use a random one per test. */
  readonly daemonLockId?: number;
  /**
   * The distributors' `lockHost`: set it when several databases' `url`s are one lock server (as
   * `runShards` with one connection does), so each database's lock ids include its identity.
   */
  readonly lockHost?: string;
  /** The distributors' `watchMembers` (member watchers). Default: the distributor's (on). */
  readonly watchMembers?: boolean;
  /**
   * A lock home (the distributors' `createHomeLock`): ONE `PostgresAppLock` on this URL for every
   * database, so the node holds one lock connection whatever the number of databases (their `url`s
   * are then not used for locks). Implies `lockHost` (default `'lock-home'`).
   */
  readonly lockHomeUrl?: string;
  /** `MultiTenantedProjectionDistributor` store name (keeps concurrent suites apart). */
  readonly storeName?: string;
  /** `CoordinatorSettingsInput` (JSON-able fields only). Default: the coordinator's defaults. */
  readonly coordinator?: Readonly<Record<string, unknown>>;
  /** Extra `PostgresAppLockOptions` (`verifyIntervalMs`, `requestTimeoutMs`, `connectTimeoutMs`, ...). */
  readonly lock?: Readonly<Record<string, unknown>>;
  /**
   * `true`: behave like the original: one `tryAttain` per set, in sequence, instead of one batched
   * round trip per database (see `sequentialAttempts`). Default `false`.
   */
  readonly sequentialAttempts?: boolean;
  /**
   * Agents that need time to stop: after its signal aborts, each run waits a random time in
   * `[min, max]` ms (finishing its batch) before it returns; the `agent-stopped` stamp is the
   * return. Default: return at once.
   */
  readonly agentReturnDelayMs?: { readonly min: number; readonly max: number };
  /**
   * With `agentReturnDelayMs`: draw each delay from this seed, the shard's position and how many
   * times the shard stopped on this node (reproducible drain times). Default: `Math.random()`.
   */
  readonly agentReturnSeed?: number;
  /**
   * `true`: the coordinator gets an in-memory `ownershipIntents` source the parent steers with
   * `drain` commands (nothing paused; not draining until told). Default: no intents.
   */
  readonly ownershipIntents?: boolean;
  /** Report agent starts/stops (default `true`); turn off for 10 000-shard runs. `owned` counts are still sent. */
  readonly agentEvents?: boolean;
  /** Emit a `cycle` event per coordinator cycle (default `false`). */
  readonly cycleEvents?: boolean;
  /** Log coordinator diagnostics at or above this level to stderr. Default: silent. */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Directory package specifiers are resolved from. Default: the child's working directory. */
  readonly resolveFrom?: string;
  readonly modules?: NodeModulesConfig;
}

interface Stamped {
  /** Milliseconds since the epoch with sub-millisecond precision ({@link preciseNow}); comparable across processes of one machine. */
  readonly at: number;
}

/**
 * What a node reports, one JSON object per stdout line. `cycle.roundTrips`: every lock round trip
 * so far (verification included); `cycle.lockRequests`: the distributor's batched attempts and
 * probes so far (a lock home's request counted once, not once per database).
 */
export type NodeEvent =
  | (Stamped & { readonly type: 'ready'; readonly id: string; readonly pid: number })
  | (Stamped & { readonly type: 'agent-started'; readonly shard: string; readonly database: string; readonly running: number })
  | (Stamped & { readonly type: 'agent-stopped'; readonly shard: string; readonly database: string; readonly running: number; readonly reason: string })
  | (Stamped & { readonly type: 'owned'; readonly running: number; readonly sets: number })
  | (Stamped & { readonly type: 'lock-lost'; readonly sets: number; readonly reason: string })
  | (Stamped & { readonly type: 'takeover'; readonly set: string; readonly shards: readonly string[]; readonly cause: string; readonly reason?: string })
  | (Stamped & {
      readonly type: 'cycle';
      readonly durationMs: number;
      readonly owned: number;
      readonly attempted: number;
      readonly granted: number;
      readonly roundTrips: number;
      readonly lockRequests?: number;
    })
  | (Stamped & {
      readonly type: 'usage';
      readonly requestId: number;
      readonly cpuUserMicros: number;
      readonly cpuSystemMicros: number;
      readonly rss: number;
      readonly heapUsed: number;
      /** V8 heap committed (every space), external memory and array buffers (bytes), as `process.memoryUsage()` says. */
      readonly heapTotal?: number;
      readonly external?: number;
      readonly arrayBuffers?: number;
      /** Committed size of V8's young generation (bytes): it grows with the allocation rate and stays. */
      readonly newSpace?: number;
      /** Whether a full garbage collection ran just before (the command asked for it and `--expose-gc` was on). */
      readonly collected?: boolean;
      readonly roundTrips: number;
      readonly verifications?: number;
    })
  | (Stamped & { readonly type: 'error'; readonly message: string })
  /** With `POLECAT_NODE_TRACE=1` in the node's environment: a lock request (once per lock-home burst) or a member watcher's wake. */
  | (Stamped & { readonly type: 'trace'; readonly what: string; readonly durationMs?: number })
  /** `coordinator.stop()` resolved with agents still running (their locks stay held until they return). */
  | (Stamped & { readonly type: 'stop-draining'; readonly sets: readonly string[] })
  | (Stamped & { readonly type: 'stopped' });

/** Commands a parent may send on the child's stdin (one JSON object per line). */
export type NodeCommand =
  /** `gc: true` runs a full garbage collection first when the node runs with `--expose-gc` (live memory, not garbage). */
  | { readonly cmd: 'usage'; readonly requestId: number; readonly gc?: boolean }
  /** With `ownershipIntents: true`: start (`true`) or end (`false`) draining this node. */
  | { readonly cmd: 'drain'; readonly draining: boolean }
  | { readonly cmd: 'stop' };

/** Name of the environment variable that may carry the JSON config instead of argv. */
export const NODE_CONFIG_ENV = 'POLECAT_NODE_CONFIG';

/**
 * Wall-clock milliseconds with sub-millisecond precision: `performance.timeOrigin + performance.now()`.
 * Processes on one machine share the wall clock, so their stamps compare (to well under a millisecond).
 */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
