import { DistributorError } from '../../errors';
import type { ProjectionDatabase } from '../../projection-database';
import type { LockOwner } from './lock-owners';

/** A lock owner with the items (sets) of one call that go through it. */
export interface OwnerGroup<T> {
  readonly owner: LockOwner;
  readonly items: T[];
}

/** A database whose owner could not be had (`createLock` threw), reported after the call's round trips. */
export interface OwnerFailure {
  readonly database: ProjectionDatabase;
  readonly error: unknown;
}

/**
 * Groups `items` by the lock owner of their database (one group per database, or per lock home).
 * `ownerFor` returns `undefined` for a database to skip (absent from the last build); one whose
 * owner cannot be created is pushed to `failures` and skipped (`DISPOSED` is rethrown).
 */
export function groupByOwner<T>(
  items: readonly T[],
  databaseOf: (item: T) => ProjectionDatabase,
  ownerFor: (database: ProjectionDatabase) => LockOwner | undefined,
  failures: OwnerFailure[],
): Map<string, OwnerGroup<T>> {
  const groups = new Map<string, OwnerGroup<T>>();
  const byDatabase = new Map<string, OwnerGroup<T> | undefined>();
  let lastId: string | undefined;
  let last: OwnerGroup<T> | undefined;
  for (const item of items) {
    const database = databaseOf(item);
    if (database.id !== lastId) {
      lastId = database.id;
      if (byDatabase.has(database.id)) last = byDatabase.get(database.id);
      else {
        let owner: LockOwner | undefined;
        try {
          owner = ownerFor(database);
        } catch (error) {
          if (DistributorError.is(error) && error.code === 'DISPOSED') throw error;
          failures.push({ database, error });
        }
        last = owner === undefined ? undefined : groups.get(owner.key);
        if (owner !== undefined && last === undefined) {
          last = { owner, items: [] };
          groups.set(owner.key, last);
        }
        byDatabase.set(database.id, last);
      }
    }
    last?.items.push(item);
  }
  return groups;
}

/** The ids of the databases a group of sets serves: the one database of its own owner, or each database of a lock home once. */
export function databaseIdsOf(group: OwnerGroup<{ readonly database: ProjectionDatabase }>): string[] {
  return group.owner.home === undefined ? [group.items[0]!.database.id] : [...new Set(group.items.map((item) => item.database.id))];
}

/** Log fields naming where a group's round trip went: its database, or its lock home and how many databases it served. */
export function whereOf(owner: LockOwner, databaseIds: readonly string[]): Record<string, unknown> {
  return owner.home === undefined ? { database: databaseIds[0] } : { lockHost: owner.home, databases: databaseIds.length };
}
