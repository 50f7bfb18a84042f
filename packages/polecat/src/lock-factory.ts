import {
  ACCEPTED_CONNECTION_FORMS,
  InMemoryLockServer,
  connectionStringForm,
  toLogger,
  type AppLock,
  type ConnectionStringForm,
  type ConsoleLike,
  type Logger,
} from '@polecat/app-lock';
import type { ProjectionDatabase } from '@polecat/distributors';
import { DiAdapterError } from '@polecat/di-adapters';

/**
 * Where the locks live: a PostgreSQL URL (`postgres://` or `postgresql://`) or libpq keyword/value
 * string (`host=... dbname=... user=...`), a SQL Server connection string (`Server=...;Database=...;...`
 * or `Data Source=...;Initial Catalog=...;...`) or URL (`mssql://` or `sqlserver://`), or the
 * in-process lock (one process only: demos and tests), optionally on a given server.
 */
export type LockConnection = string | { readonly backend: 'memory'; readonly server?: InMemoryLockServer };

/** Options of {@link lockFactoryFor}. */
export interface LockFactoryOptions {
  /** `application_name` / `APP_NAME()` of the lock connections. Default: the backend's (`polecat-lock` / `polecat-app-lock`). */
  readonly applicationName?: string;
  /** Where lock warnings go. Default: silent. */
  readonly logger?: Logger | ConsoleLike;
}

/** `true` for the PostgreSQL forms: `postgres://...`, `postgresql://...` (case-insensitive) and libpq keyword/value strings. */
export function isPostgresConnectionString(connection: string): boolean {
  const form = connectionStringForm(connection);
  return form === 'postgres-url' || form === 'postgres-keywords';
}

/**
 * The backend a connection string is for, recognised by its form; `undefined` when it has no
 * recognised form (a typo such as `postgress://`, `mysql://`, a malformed URL, free text).
 */
export function connectionBackend(connection: string): 'postgres' | 'sqlserver' | undefined {
  const form: ConnectionStringForm | undefined = connectionStringForm(connection);
  if (form === undefined) return undefined;
  return form.startsWith('postgres') ? 'postgres' : 'sqlserver';
}

/**
 * A `createLock` factory for `connection`, loading only the driver it needs (`pg` for PostgreSQL,
 * `mssql` for SQL Server, both optional peer dependencies) with a dynamic import. Every database
 * gets the same server. The string's form decides the backend (see {@link LockConnection}).
 * @throws DiAdapterError `INVALID_CONFIGURATION` for an empty string or one of no recognised form
 *   (the message names the accepted forms and never repeats the string); `MISSING_DRIVER` when the
 *   backend's driver is not installed (the message names the package);
 *   AppLockError `INVALID_CONFIGURATION` for a malformed string of a recognised form (never echoing it).
 */
export async function lockFactoryFor(connection: LockConnection, options: LockFactoryOptions = {}): Promise<(database: ProjectionDatabase) => AppLock> {
  const logger = options.logger === undefined ? undefined : toLogger(options.logger);
  const shared = { ...(logger === undefined ? {} : { logger }) };
  if (typeof connection === 'object' && connection !== null && connection.backend === 'memory') {
    const server = connection.server ?? new InMemoryLockServer();
    return () => server.createLock(shared);
  }
  if (typeof connection !== 'string' || connection.trim() === '') {
    throw new DiAdapterError('INVALID_CONFIGURATION', `connection must be ${ACCEPTED_CONNECTION_FORMS}, or { backend: 'memory' }`);
  }
  const backend = connectionBackend(connection);
  if (backend === undefined) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `connection is not a connection string of a recognised form (its text is not repeated here because it may contain a password); expected ${ACCEPTED_CONNECTION_FORMS}, or { backend: 'memory' }`,
    );
  }
  const applicationName = options.applicationName === undefined ? {} : { applicationName: options.applicationName };
  if (backend === 'postgres') {
    const { PostgresAppLock, parsePostgresKeywordString } = await loadDriver('pg', 'PostgreSQL', () => import('@polecat/app-lock-postgres'));
    if (connectionStringForm(connection) === 'postgres-keywords') parsePostgresKeywordString(connection); // fail now, not at the first lock attempt
    return () => new PostgresAppLock(connection, { ...shared, ...applicationName });
  }
  const { SqlServerAppLock, parseSqlServerConnection } = await loadDriver('mssql', 'SQL Server', () => import('@polecat/app-lock/sql-server'));
  parseSqlServerConnection(connection); // fail now, not at the first lock attempt
  return () => new SqlServerAppLock(connection, { ...shared, ...applicationName });
}

/** Imports a backend module; a missing driver becomes a `MISSING_DRIVER` error naming the package to install. */
async function loadDriver<T>(driver: 'pg' | 'mssql', database: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : '';
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && new RegExp(`['"]${driver}['"/]`).test(message)) {
      throw new DiAdapterError('MISSING_DRIVER', `A ${database} connection needs the "${driver}" package, an optional peer dependency of @polecat/polecat: install it (npm install ${driver})`, {
        cause: error,
      });
    }
    throw error;
  }
}
