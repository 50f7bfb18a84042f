import { DEFAULT_SCHEMA, computeLockId } from './compute-lock-id';
import type { DistributorCapabilities } from './distributor-capabilities';
import type { LockingDistributorOptions } from './distributor-options';
import { LockOwningDistributor, composeLockingDistributor } from './internal/lock-owning/lock-owning-distributor';
import type { LayoutContext, SetLayout } from './internal/lock-owning/set-layout';
import { makeSet } from './internal/read-distribution';
import type { ProjectionDatabase } from './projection-database';
import type { ProjectionSet } from './projection-set';
import { globalIdentity, type ShardName } from './shard-name';

/** Options of {@link SingleTenantProjectionDistributor}. */
export type SingleTenantProjectionDistributorOptions = LockingDistributorOptions;

/**
 * One set (one lock) per shard, so shards spread across nodes. The lock id is
 * `computeLockId(database.schema ?? 'dbo', globalIdentity(shard), daemonLockId)`, identical on
 * every node (and on .NET Polecat nodes configured alike); for a database whose locks share a
 * server with other databases (`lockHost`), `database.id + '@'` is prefixed to the hashed identity.
 *
 * Tenant-expanded shards keep the store-global shard's lock: `Trip:All:acme` and `Trip:All:globex`
 * land in ONE set with lock id of `Trip:All`. Two different identities whose hashes collide also
 * share one set (logged once as a warning), so set keys stay unique.
 *
 * @example
 * const distributor = new SingleTenantProjectionDistributor({
 *   databases: [{ id: 'main', schema: 'dbo' }],
 *   shards: [shardName('Trip'), shardName('Day')],
 *   createLock: () => server.createLock(), // InMemoryLockServer, or a SQL Server / PostgreSQL lock
 * });
 */
export class SingleTenantProjectionDistributor extends LockOwningDistributor {
  /** @deprecated Read `capabilities` instead. */
  readonly kind = 'single-tenant' as const;
  /** Locks per database; fair shares counted per database. */
  readonly capabilities: DistributorCapabilities = Object.freeze({ shareScope: 'database' });

  constructor(options: SingleTenantProjectionDistributorOptions) {
    super();
    composeLockingDistributor(this, options, (context) => new SingleTenantLayout(context));
  }
}

/** One set per store-global shard identity; identities whose lock ids collide share a set (warned once). */
class SingleTenantLayout implements SetLayout {
  readonly name = 'single-tenant';
  readonly #context: LayoutContext;
  readonly #warnedCollisions = new Set<string>();

  constructor(context: LayoutContext) {
    this.#context = context;
  }

  setsFor(database: ProjectionDatabase, shards: readonly ShardName[]): readonly ProjectionSet[] {
    const schema = database.schema ?? DEFAULT_SCHEMA;
    // a lock host shared with other databases: the database's identity is part of each lock id
    const scope = this.#context.lockHostOf(database) === undefined ? '' : `${database.id}@`;
    const groups = new Map<number, { identities: Set<string>; names: ShardName[] }>();
    for (const shard of shards) {
      const identity = globalIdentity(shard);
      const lockId = computeLockId(schema, `${scope}${identity}`, this.#context.daemonLockId);
      const group = groups.get(lockId) ?? { identities: new Set<string>(), names: [] };
      group.identities.add(identity);
      group.names.push(shard);
      groups.set(lockId, group);
    }
    return [...groups].map(([lockId, group]) => {
      if (group.identities.size > 1) this.#warnCollision(database, lockId, group.identities);
      return makeSet(database, lockId, group.names);
    });
  }

  #warnCollision(database: ProjectionDatabase, lockId: number, identities: ReadonlySet<string>): void {
    const key = `${database.id}/${lockId}/${[...identities].sort().join('|')}`;
    if (this.#warnedCollisions.has(key)) return;
    this.#warnedCollisions.add(key);
    this.#context.logger.warn('different shards hash to the same lock id; they share one set', {
      database: database.id,
      lockId,
      identities: [...identities],
    });
  }
}
