import type { AppLock } from '@polecat/app-lock';
import type { ProjectionDatabase } from '../../projection-database';
import type { ProjectionSet } from '../../projection-set';
import type { ShardName } from '../../shard-name';

interface CachedBuild {
  readonly schema: string | undefined;
  readonly identities: readonly string[];
  readonly sets: readonly ProjectionSet[];
}

/** Same shard list: the same identities in the same order (an array mutated in place is noticed too). */
function sameShards(identities: readonly string[], next: readonly ShardName[]): boolean {
  if (identities.length !== next.length) return false;
  for (let index = 0; index < next.length; index++) if (identities[index] !== next[index]!.identity) return false;
  return true;
}

/**
 * The last build of each database: its sets are reused (the same objects) while the database (id,
 * schema) and its shard list are unchanged, so a steady cycle builds no set; and its sets by lock
 * id, kept while the database's lock owner lives (a removed database still holding sets), to map
 * lost lock ids back to sets.
 */
export class BuildCache {
  /** Per database id: the last build, reused while unchanged. */
  readonly #builds = new Map<string, CachedBuild>();
  /** Per database id: the sets of the last build, by lock id. */
  readonly #byLockId = new Map<string, ReadonlyMap<number, ProjectionSet>>();

  /** Whether `databaseId` was in the last build (only such databases are attempted). */
  has(databaseId: string): boolean {
    return this.#builds.has(databaseId);
  }

  /** The sets of one database: the cached ones while unchanged, else `build(database, shards)`'s (then cached). */
  setsOf(
    database: ProjectionDatabase,
    shards: readonly ShardName[],
    build: (database: ProjectionDatabase, shards: readonly ShardName[]) => readonly ProjectionSet[],
  ): readonly ProjectionSet[] {
    const cached = this.#builds.get(database.id);
    if (cached !== undefined && cached.schema === database.schema && sameShards(cached.identities, shards)) return cached.sets;
    const sets = build(database, shards);
    this.#builds.set(database.id, { schema: database.schema, identities: shards.map((shard) => shard.identity), sets });
    this.#byLockId.set(database.id, new Map(sets.map((set) => [set.lockId, set])));
    return sets;
  }

  /** Forgets the databases not in `current`: their build at once, their sets by lock id once `owned(id)` is false. */
  retain(current: ReadonlySet<string>, owned: (databaseId: string) => boolean): void {
    for (const id of [...this.#byLockId.keys()]) if (!current.has(id) && !owned(id)) this.#byLockId.delete(id);
    for (const id of [...this.#builds.keys()]) if (!current.has(id)) this.#builds.delete(id);
  }

  /** The sets of `databaseId`'s last build with one of `lockIds` (string ids, member slots, name no set). */
  setsWith(databaseId: string, lockIds: readonly (number | string)[]): ProjectionSet[] {
    const byLockId = this.#byLockId.get(databaseId);
    if (byLockId === undefined) return [];
    return lockIds.flatMap((id) => {
      const set = typeof id === 'number' ? byLockId.get(id) : undefined;
      return set === undefined ? [] : [set];
    });
  }

  /** Whether `lock` holds the lock of any set of `databaseId`'s last build. */
  holdsAnySetOf(databaseId: string, lock: AppLock): boolean {
    const byLockId = this.#byLockId.get(databaseId);
    if (byLockId === undefined) return false;
    for (const lockId of byLockId.keys()) if (lock.hasLock(lockId)) return true;
    return false;
  }

  clear(): void {
    this.#builds.clear();
    this.#byLockId.clear();
  }
}
