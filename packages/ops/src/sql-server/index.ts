/** Registry and ownership intents on SQL Server (re-exported by the package root). */
export { SqlServerOpsNode, type SqlServerOpsNodeOptions } from './sql-server-ops-node';
export { assertSqlServerOpsSchema, ensureSqlServerOpsSchema, type SqlServerOpsSchemaOptions } from './sql-server-ops-schema';
export { sqlServerOpsTables, type SqlServerOpsTables } from './sql-server-ops-statements';
export {
  drainNodeOnSqlServer,
  pauseShardOnSqlServer,
  readSqlServerIntents,
  readSqlServerNodeRecords,
  resumeShardOnSqlServer,
  undrainNodeOnSqlServer,
} from './sql-server-intents-admin';
export { readSqlServerClusterSnapshotWithRegistry, type SqlServerRegistrySnapshotOptions } from './sql-server-registry-snapshot';
