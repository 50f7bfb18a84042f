import type { ProjectionDatabase } from './projection-database';
import type { ShardName } from './shard-name';

/** The unit that one lock guards: some shards of one database behind one lock id. */
export interface ProjectionSet {
  /** Stable key, unique across databases: `{database.id}/{lockId}`. */
  readonly key: string;
  /** int32 lock id, computed as the .NET originals do (see `computeLockId`). */
  readonly lockId: number;
  readonly database: ProjectionDatabase;
  readonly names: readonly ShardName[];
}
