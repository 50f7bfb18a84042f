import { InMemoryLockServer, toLogger, type AppLock, type ConsoleLike, type Logger } from '@polecat/app-lock';
import type { ProjectionDatabase } from '@polecat/distributors';
import { DiAdapterError } from '@polecat/di-adapters';

/**
 * Where the locks live: a PostgreSQL URL (`postgres://` or `postgresql://`), a SQL Server
 * connection string (`Server=...;Database=...;...`), or the in-process lock (one process only:
 * demos and tests), optionally on a given server.
 */
export type LockConnection = string | { readonly backend: 'memory'; readonly server?: InMemoryLockServer };

/** Options of {@link lockFactoryFor}. */
export interface LockFactoryOptions {
  /** `application_name` / `APP_NAME()` of the lock connections. Default: the backend's (`polecat-lock` / `polecat-app-lock`). */
  readonly applicationName?: string;
  /** Where lock warnings go. Default: silent. */
  readonly logger?: Logger | ConsoleLike;
}

/** `true` for `postgres://...` and `postgresql://...` (case-insensitive). */
export function isPostgresConnectionString(connection: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(connection.trim());
}

/**
 * A `createLock` factory for `connection`, loading only the driver it needs (`pg` for PostgreSQL,
 * `mssql` for SQL Server) with a dynamic import. Every database gets the same server.
 * @throws DiAdapterError `INVALID_CONFIGURATION` for an empty or unknown connection;
 *   AppLockError `INVALID_CONFIGURATION` for an unparseable SQL Server string (never echoing it).
 */
export async function lockFactoryFor(connection: LockConnection, options: LockFactoryOptions = {}): Promise<(database: ProjectionDatabase) => AppLock> {
  const logger = options.logger === undefined ? undefined : toLogger(options.logger);
  const shared = { ...(logger === undefined ? {} : { logger }) };
  if (typeof connection === 'object' && connection !== null && connection.backend === 'memory') {
    const server = connection.server ?? new InMemoryLockServer();
    return () => server.createLock(shared);
  }
  if (typeof connection !== 'string' || connection.trim() === '') {
    throw new DiAdapterError('INVALID_CONFIGURATION', "connection must be a PostgreSQL URL, a SQL Server connection string, or { backend: 'memory' }");
  }
  const applicationName = options.applicationName === undefined ? {} : { applicationName: options.applicationName };
  if (isPostgresConnectionString(connection)) {
    const { PostgresAppLock } = await import('@polecat/app-lock-postgres');
    return () => new PostgresAppLock(connection, { ...shared, ...applicationName });
  }
  const { SqlServerAppLock, parseSqlServerConnection } = await import('@polecat/app-lock/sql-server');
  parseSqlServerConnection(connection); // fail now, not at the first lock attempt
  return () => new SqlServerAppLock(connection, { ...shared, ...applicationName });
}
