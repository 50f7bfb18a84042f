import type { ProjectionSet } from '@polecat/distributors';

/**
 * A set for people: its shards first, then where its lock lives,
 * e.g. `Trip:All, Day:All (database default, lock 1288037113)`. At most 5 shards are named.
 */
export function describeSet(set: ProjectionSet): string {
  const names = set.names.slice(0, 5).map((shard) => shard.identity);
  const more = set.names.length > 5 ? ` and ${set.names.length - 5} more` : '';
  return `${names.join(', ') || 'no shards'}${more} (database ${set.database.id}, lock ${set.lockId})`;
}
