export {
  PostgresAppLock,
  parsePostgresKeywordString,
  postgresLockKey,
  type PostgresAppLockOptions,
  type PostgresConnection,
  type PostgresConnectionConfig,
  type ServerKeepAlive,
} from '@polecat/app-lock-postgres';
