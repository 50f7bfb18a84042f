export { SqlServerAppLock, type SqlServerAppLockOptions } from './sql-server-app-lock';
export {
  DEFAULT_SQL_SERVER_APPLICATION_NAME,
  describeSqlServerTarget,
  parseSqlServerConnection,
  type ParsedSqlServerConnection,
  type SqlServerConnection,
} from './sql-server-connection-config';
export { parseSqlServerUrl } from './sql-server-url';
export { assertSqlServerResourcePrefix, SQL_SERVER_MAX_RESOURCE_LENGTH, sqlServerResourceName } from './sql-server-lock-key';
export { driverErrorCode, interpretGetAppLockResult, interpretReleaseAppLockResult, isExclusiveMode, mapSqlServerError } from './sql-server-errors';
export { sqlServerAcquireBudgetMs, sqlServerLockTimeoutFor } from './sql-server-lock-wait';
