import { DEFAULT_DAEMON_LOCK_ID, DEFAULT_SCHEMA, assertDaemonLockId, computeLockId } from './compute-lock-id';
import type { DistributorCapabilities } from './distributor-capabilities';
import type { LockingDistributorOptions } from './distributor-options';
import { DistributorError } from './errors';
import { LockOwningDistributor, composeLockingDistributor } from './internal/lock-owning/lock-owning-distributor';
import type { LayoutContext, SetLayout } from './internal/lock-owning/set-layout';
import { makeSet } from './internal/read-distribution';
import type { ProjectionDatabase } from './projection-database';
import type { ProjectionSet } from './projection-set';
import type { ShardName } from './shard-name';

/** How {@link MultiTenantedProjectionDistributor} chooses each database's lock id. */
export const MULTI_TENANTED_LOCK_ID_STRATEGIES = [
  /** `computeLockId(schema, 'MultiTenanted:' + storeName, daemonLockId)`: two stores in one database never collide. */
  'per-store',
  /** The raw `daemonLockId` for every database, exactly like .NET Polecat (two stores in one database collide). */
  'polecat-compatible',
] as const;

/** One of {@link MULTI_TENANTED_LOCK_ID_STRATEGIES}. */
export type MultiTenantedLockIdStrategy = (typeof MULTI_TENANTED_LOCK_ID_STRATEGIES)[number];

/** The store name hashed into per-store lock ids when none is given. */
export const DEFAULT_STORE_NAME = 'default';

/** Options of {@link MultiTenantedProjectionDistributor}. */
export interface MultiTenantedProjectionDistributorOptions extends LockingDistributorOptions {
  /** Default `'per-store'`. Use `'polecat-compatible'` to share locks with .NET Polecat nodes. */
  readonly lockIdStrategy?: MultiTenantedLockIdStrategy;
  /**
   * Distinguishes stores that share a database AND a schema (per-store strategy only; the schema is
   * already part of the hash). Default `'default'`.
   */
  readonly storeName?: string;
}

/**
 * The lock id guarding all shards of one database in multi-tenant mode.
 * @param strategy default `'per-store'`; `'polecat-compatible'` returns `daemonLockId` unchanged.
 * @example multiTenantedLockId('dbo', { storeName: 'orders' })
 */
export function multiTenantedLockId(
  schema: string,
  options: {
    readonly storeName?: string;
    readonly daemonLockId?: number;
    readonly lockIdStrategy?: MultiTenantedLockIdStrategy;
    /**
     * The database's identity, for a database whose lock host is shared with other databases (the
     * distributors' `lockHost` option): `computeLockId(schema, 'MultiTenanted:' + storeName + '@' +
     * databaseId, daemonLockId)` whatever the strategy (`'polecat-compatible'` ids hold for one lock
     * host per database only: on a shared host every tenant would get the same lock).
     */
    readonly databaseId?: string;
  } = {},
): number {
  const strategy = options.lockIdStrategy ?? 'per-store';
  if (!MULTI_TENANTED_LOCK_ID_STRATEGIES.includes(strategy)) {
    throw new DistributorError('INVALID_CONFIGURATION', `Unknown lockIdStrategy "${String(strategy)}"`);
  }
  const storeName = options.storeName ?? DEFAULT_STORE_NAME;
  if (typeof storeName !== 'string' || storeName.length === 0) {
    throw new DistributorError('INVALID_CONFIGURATION', 'storeName must be a non-empty string');
  }
  const daemonLockId = options.daemonLockId ?? DEFAULT_DAEMON_LOCK_ID;
  assertDaemonLockId(daemonLockId);
  const { databaseId } = options;
  if (databaseId !== undefined) {
    if (typeof databaseId !== 'string' || databaseId.length === 0) throw new DistributorError('INVALID_CONFIGURATION', 'databaseId must be a non-empty string');
    return computeLockId(schema, `MultiTenanted:${storeName}@${databaseId}`, daemonLockId);
  }
  return strategy === 'polecat-compatible' ? daemonLockId : computeLockId(schema, `MultiTenanted:${storeName}`, daemonLockId);
}

/**
 * One set per database holding ALL its shards behind one lock, so a tenant's shards never split
 * across nodes. Unlike .NET Polecat (raw `daemonLockId` everywhere), the default lock id is
 * distinct per store (schema and `storeName` hashed in); `lockIdStrategy: 'polecat-compatible'`
 * restores the original. Databases whose locks share one server (`lockHost`) get per-database lock
 * ids (the database id hashed in), so every tenant runs. A database with no shards gets no set.
 *
 * @example
 * const distributor = new MultiTenantedProjectionDistributor({
 *   databases: () => tenants.list(),
 *   shards: [shardName('Trip'), shardName('Day')],
 *   createLock: (db) => new SqlServerAppLock({ connectionString: tenants.connectionString(db.id) }),
 * });
 */
export class MultiTenantedProjectionDistributor extends LockOwningDistributor {
  /** @deprecated Read `capabilities` instead. */
  readonly kind = 'multi-tenanted' as const;
  /** One set per database: fair shares counted over the whole cluster. */
  readonly capabilities: DistributorCapabilities = Object.freeze({ shareScope: 'cluster' });

  constructor(options: MultiTenantedProjectionDistributorOptions) {
    super();
    composeLockingDistributor(this, options, (context) => new MultiTenantedLayout(context, options));
  }
}

/** One set per database with all its shards; member-slot scopes carry the store (lock id, store name). */
class MultiTenantedLayout implements SetLayout {
  readonly name = 'multi-tenanted';
  readonly #context: LayoutContext;
  readonly #lockIdStrategy: MultiTenantedLockIdStrategy;
  readonly #storeName: string;
  /** `{lockHost}/{lockId}` -> database id: two databases of one host whose ids collide are warned about once. */
  readonly #onHost = new Map<string, string>();
  #warnedCompatible = false;

  constructor(context: LayoutContext, options: MultiTenantedProjectionDistributorOptions) {
    this.#context = context;
    this.#lockIdStrategy = options.lockIdStrategy ?? 'per-store';
    this.#storeName = options.storeName ?? DEFAULT_STORE_NAME;
    multiTenantedLockId(DEFAULT_SCHEMA, this.#lockOptions()); // validates the options eagerly
  }

  setsFor(database: ProjectionDatabase, shards: readonly ShardName[]): readonly ProjectionSet[] {
    if (shards.length === 0) return [];
    const lockId = this.#lockIdOf(database);
    const host = this.#context.lockHostOf(database);
    if (host !== undefined) {
      const key = `${host}/${lockId}`;
      const other = this.#onHost.get(key);
      if (other === undefined) this.#onHost.set(key, database.id);
      else if (other !== database.id) {
        this.#context.logger.warn('two databases on one lock host hash to the same lock id; they never run at the same time', {
          lockHost: host,
          lockId,
          databases: [other, database.id],
        });
      }
    }
    return [makeSet(database, lockId, shards)];
  }

  /** `multi-tenanted:{schema}:{the database's lock id}`: stores sharing a database count their nodes apart. */
  memberScope(database: ProjectionDatabase): string {
    return `${this.name}:${database.schema ?? DEFAULT_SCHEMA}:${this.#lockIdOf(database)}`;
  }

  /** `multi-tenanted:{storeName}:{daemonLockId}@{lockHost}`: stores sharing a lock home count their nodes apart. */
  homeScope(lockHost: string): string {
    return `${this.name}:${this.#storeName}:${this.#context.daemonLockId}@${lockHost}`;
  }

  /** The database's lock id: with a shared lock host, its identity is hashed in (see `multiTenantedLockId`). */
  #lockIdOf(database: ProjectionDatabase): number {
    const schema = database.schema ?? DEFAULT_SCHEMA;
    if (this.#context.lockHostOf(database) === undefined) return multiTenantedLockId(schema, this.#lockOptions());
    if (this.#lockIdStrategy === 'polecat-compatible' && !this.#warnedCompatible) {
      this.#warnedCompatible = true;
      this.#context.logger.warn(
        "lockIdStrategy 'polecat-compatible' applies to databases with a lock host of their own; databases sharing one get per-database lock ids",
        { database: database.id },
      );
    }
    return multiTenantedLockId(schema, { ...this.#lockOptions(), databaseId: database.id });
  }

  #lockOptions() {
    return { storeName: this.#storeName, daemonLockId: this.#context.daemonLockId, lockIdStrategy: this.#lockIdStrategy };
  }
}
