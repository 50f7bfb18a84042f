import { DEFAULT_DAEMON_LOCK_ID, DEFAULT_SCHEMA, assertDaemonLockId, computeLockId } from './compute-lock-id';
import type { LockingDistributorOptions } from './distributor-options';
import { DistributorError } from './errors';
import { LockOwningDistributor } from './internal/lock-owning-distributor';
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
  options: { readonly storeName?: string; readonly daemonLockId?: number; readonly lockIdStrategy?: MultiTenantedLockIdStrategy } = {},
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
  return strategy === 'polecat-compatible' ? daemonLockId : computeLockId(schema, `MultiTenanted:${storeName}`, daemonLockId);
}

/**
 * One set per database holding ALL its shards behind one lock, so a tenant's shards never split
 * across nodes. Unlike .NET Polecat (raw `daemonLockId` everywhere), the default lock id is
 * distinct per store (schema and `storeName` hashed in); `lockIdStrategy: 'polecat-compatible'`
 * restores the original. A database with no shards gets no set.
 *
 * @example
 * const distributor = new MultiTenantedProjectionDistributor({
 *   databases: () => tenants.list(),
 *   shards: [shardName('Trip'), shardName('Day')],
 *   createLock: (db) => new SqlServerAppLock({ connectionString: tenants.connectionString(db.id) }),
 * });
 */
export class MultiTenantedProjectionDistributor extends LockOwningDistributor {
  readonly kind = 'multi-tenanted' as const;
  readonly #lockIdStrategy: MultiTenantedLockIdStrategy;
  readonly #storeName: string;

  constructor(options: MultiTenantedProjectionDistributorOptions) {
    super(options);
    this.#lockIdStrategy = options.lockIdStrategy ?? 'per-store';
    this.#storeName = options.storeName ?? DEFAULT_STORE_NAME;
    multiTenantedLockId(DEFAULT_SCHEMA, this.#lockOptions()); // validates the options eagerly
  }

  protected setsFor(database: ProjectionDatabase, shards: readonly ShardName[]): readonly ProjectionSet[] {
    if (shards.length === 0) return [];
    return [makeSet(database, multiTenantedLockId(database.schema ?? DEFAULT_SCHEMA, this.#lockOptions()), shards)];
  }

  /** `multi-tenanted:{schema}:{the database's lock id}`: stores sharing a database count their nodes apart. */
  protected override memberScope(database: ProjectionDatabase): string {
    const schema = database.schema ?? DEFAULT_SCHEMA;
    return `${this.kind}:${schema}:${multiTenantedLockId(schema, this.#lockOptions())}`;
  }

  #lockOptions() {
    return { storeName: this.#storeName, daemonLockId: this.daemonLockId, lockIdStrategy: this.#lockIdStrategy };
  }
}
