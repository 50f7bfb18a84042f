import type { ShardSource } from '../distributor-options';
import { DistributorError } from '../errors';
import type { DatabaseSource, ProjectionDatabase } from '../projection-database';
import type { ProjectionSet } from '../projection-set';
import { assertUniqueShards, type ShardName } from '../shard-name';

/** One database with the shards configured for it. */
export interface DatabaseShards {
  readonly database: ProjectionDatabase;
  readonly shards: readonly ShardName[];
}

/** Throws unless every database has a non-empty string id and no id appears twice. */
export function assertDatabases(databases: readonly ProjectionDatabase[]): void {
  const seen = new Set<string>();
  for (const database of databases) {
    if (typeof database?.id !== 'string' || database.id.length === 0) {
      throw new DistributorError('INVALID_DATABASE', 'Invalid database: the id must be a non-empty string');
    }
    if (database.schema !== undefined && (typeof database.schema !== 'string' || database.schema.length === 0)) {
      throw new DistributorError('INVALID_DATABASE', `Invalid database "${database.id}": the schema must be a non-empty string`);
    }
    if (seen.has(database.id)) {
      throw new DistributorError('INVALID_DATABASE', `Database "${database.id}" is listed twice`);
    }
    seen.add(database.id);
  }
}

/** Validates the fixed parts of a configuration up front (throws at construction, not at the first build). */
export function assertStaticSources(databases: DatabaseSource, shards: ShardSource): void {
  if (typeof databases !== 'function') assertDatabases(databases);
  if (typeof shards !== 'function') assertUniqueShards(shards);
}

/** Reads (and validates) the database list and each database's shards, all before returning. */
export async function readDistribution(databases: DatabaseSource, shards: ShardSource, signal: AbortSignal | undefined): Promise<readonly DatabaseShards[]> {
  const list = typeof databases === 'function' ? await databases(signal) : databases;
  signal?.throwIfAborted();
  assertDatabases(list);
  return Promise.all(
    list.map(async (database) => {
      const names = typeof shards === 'function' ? await shards(database, signal) : shards;
      if (typeof shards === 'function') assertUniqueShards(names);
      return { database, shards: names };
    }),
  );
}

/** A frozen set keyed `{database.id}/{lockId}`. */
export function makeSet(database: ProjectionDatabase, lockId: number, names: readonly ShardName[]): ProjectionSet {
  return Object.freeze({ key: `${database.id}/${lockId}`, lockId, database, names: Object.freeze([...names]) });
}
