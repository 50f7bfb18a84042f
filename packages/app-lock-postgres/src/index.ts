export { PostgresAppLock, type PostgresAppLockOptions } from './postgres-app-lock';
export type { PostgresConnection, PostgresConnectionConfig, ServerKeepAlive } from './postgres-connection-config';
export { postgresLockKey } from './postgres-lock-key';
export { parsePostgresKeywordString } from './postgres-keyword-string';
