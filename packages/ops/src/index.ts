// `@polecat/ops`: the library (registry, cluster view, intents). The command is `@polecat/ops/cli`,
// the live page `@polecat/ops/web`: importing this entry loads neither commander nor cli-table3.
export { OPS_ERROR_CODES, OpsError, type OpsErrorCode, type OpsErrorOptions } from './ops-error';
export type { PostgresQueryable } from './postgres-queryable';
export { OPS_NOTIFY_CHANNEL, assertOpsSchema, ensureOpsSchema, opsMigration, opsTables, type OpsSchemaOptions } from './ops-schema';
export { knownSetRecords, ownedSetRecords, type KnownSetRecord, type NodeRecord, type OwnedSetRecord } from './node-record';
export { LOCK_APPLICATION_PREFIX, PostgresOpsNode, lockApplicationName, type PostgresOpsNodeOptions } from './postgres-ops-node';
export type { OpsNodeOptions } from './ops-node-options';
export {
  buildClusterSnapshot,
  type ClusterSnapshot,
  type ClusterSnapshotInput,
  type IntentRecord,
  type LockHolder,
  type NodeView,
  type SetView,
} from './cluster-snapshot';
export { advisoryKey, nodeIdOfApplicationName, readIntents, readNodeRecords, readPostgresClusterSnapshot } from './postgres-cluster-snapshot';
export {
  defaultRequester,
  drainNode,
  pauseShard,
  resolveShardTarget,
  resumeShard,
  undrainNode,
  type IntentChange,
  type IntentRequestOptions,
  type PauseOptions,
} from './intents-admin';
export {
  SQL_SERVER_DESCRIPTION_NAME_LENGTH,
  applicationLockNamePrefix,
  readSqlServerClusterSnapshot,
  type SqlServerQueryable,
  type SqlServerRequestLike,
  type SqlServerSnapshotOptions,
} from './sql-server-cluster-snapshot';
export { singleTenantSets } from './cli/sql-server-status';
export { STRANDED_LOCK_ADVICE, findStrandedLocks, type StrandedLock } from './stranded-locks';
export { terminateStrandedSession, type TerminatedSession } from './terminate-session';
export {
  SqlServerOpsNode,
  assertSqlServerOpsSchema,
  drainNodeOnSqlServer,
  ensureSqlServerOpsSchema,
  pauseShardOnSqlServer,
  readSqlServerClusterSnapshotWithRegistry,
  readSqlServerIntents,
  readSqlServerNodeRecords,
  resumeShardOnSqlServer,
  sqlServerOpsTables,
  undrainNodeOnSqlServer,
  type SqlServerOpsNodeOptions,
  type SqlServerOpsSchemaOptions,
  type SqlServerOpsTables,
  type SqlServerRegistrySnapshotOptions,
} from './sql-server/index';
