export { FENCING_ERROR_CODES, FencingError, StaleEpochError, type FencingErrorCode, type FencingErrorOptions } from './fencing-error';
export type { EpochStore } from './epoch-store';
export type { PostgresQueryable } from './postgres-queryable';
export {
  DEFAULT_FENCING_TABLE,
  PostgresEpochStore,
  assertEpochCurrent,
  postgresFencingMigration,
  postgresFencingTableName,
  type PostgresEpochStoreOptions,
  type PostgresFencingTable,
} from './postgres-epoch-store';
export {
  SqlServerEpochStore,
  sqlServerFencingMigration,
  sqlServerFencingTableName,
  type SqlServerEpochStoreOptions,
  type SqlServerFencingTable,
  type SqlServerRequestFactory,
  type SqlServerRequestLike,
} from './sql-server-epoch-store';
export { InMemoryEpochStore } from './in-memory-epoch-store';
export { FencingEpochSource, type FencedSet, type FencingEpochSourceOptions } from './fencing-epoch-source';
