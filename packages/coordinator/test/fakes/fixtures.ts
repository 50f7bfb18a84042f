import type { ProjectionDatabase, ProjectionSet, ShardName } from '@polecat/distributors';

export function shard(name: string, shardKey = 'All'): ShardName {
  return { name, shardKey, version: 1, identity: `${name}:${shardKey}` };
}

export const mainDb: ProjectionDatabase = { id: 'main', schema: 'dbo' };

/** One set per shard name (single-tenant shape), lock ids 1000+i. */
export function setsOf(names: readonly string[], database: ProjectionDatabase = mainDb): ProjectionSet[] {
  return names.map((name, index) => ({ key: `${database.id}/${1000 + index}`, lockId: 1000 + index, database, names: [shard(name)] }));
}

// The shared test clock and logger, re-exported for the tests that import them from here.
export { ManualClock, recordingLogger, type LogLine } from '@polecat/test-utils';
