import mssql from 'mssql';
import { connectionStringForm } from '../connection-form';
import { AppLockError } from '../errors';
import { parseSqlServerUrl } from './sql-server-url';

/** Connection settings accepted by `SqlServerAppLock`: an ADO-style connection string or an mssql config object. */
export type SqlServerConnection = string | mssql.config;

/** Default `APP_NAME()` / `program_name` of the lock sessions. */
export const DEFAULT_SQL_SERVER_APPLICATION_NAME = 'polecat-app-lock';

/** A parsed, validated connection: the mssql config and a password-free description. */
export interface ParsedSqlServerConnection {
  /** A private copy of the mssql config (the caller's object is never mutated). */
  readonly config: mssql.config;
  /** `sqlserver://user@server:port/database`: never a password, token or secret. */
  readonly target: string;
}

/**
 * Parses and validates connection settings. A string is read with mssql's own ADO.NET-style parser
 * (`Server=tcp:db,1433;Database=app;User Id=app;Password=...;Encrypt=true`), or is a URL
 * (`mssql://user:password@db:1433/app?encrypt=true`, also `sqlserver://`); its
 * `Application Name` (URL: `applicationName`), which mssql ignores, is returned too. Errors (`INVALID_CONFIGURATION`)
 * never contain the string or the password, and carry no driver cause that could.
 */
export function parseSqlServerConnection(connection: SqlServerConnection): ParsedSqlServerConnection & { readonly applicationName?: string } {
  let config: mssql.config;
  let applicationName: string | undefined;
  if (typeof connection === 'string') {
    if (connection.trim() === '') throw new AppLockError('INVALID_CONFIGURATION', 'The SQL Server connection string is empty');
    const form = connectionStringForm(connection);
    if (form === 'sql-server-url') {
      ({ config, applicationName } = parseSqlServerUrl(connection));
    } else {
      if (form !== 'sql-server-keywords') {
        throw new AppLockError(
          'INVALID_CONFIGURATION',
          'A SQL Server connection string names its server (Server=...;Database=...; or Data Source=...;Initial Catalog=...;) or is a URL (mssql://... or sqlserver://...); its text is not repeated here because it may contain a password',
        );
      }
      try {
        config = mssql.ConnectionPool.parseConnectionString(connection);
      } catch {
        throw new AppLockError(
          'INVALID_CONFIGURATION',
          'The SQL Server connection string could not be parsed (its text is not repeated here because it may contain a password)',
        );
      }
      // mssql's parser lets an empty value swallow the next pair (`User Id=;Password=x` gives the
      // user ";Password=x"), which would put a password into the description: refuse such strings.
      if ([config.server, config.user, config.database].some((value) => typeof value === 'string' && /[;=]/.test(value))) {
        throw new AppLockError(
          'INVALID_CONFIGURATION',
          'The SQL Server connection string has an empty or malformed value (quote values containing ";" with {braces})',
        );
      }
      applicationName = readApplicationName(connection);
    }
  } else if (typeof connection === 'object' && connection !== null && !Array.isArray(connection)) {
    config = { ...connection, options: { ...connection.options }, ...(connection.pool ? { pool: { ...connection.pool } } : {}) };
  } else {
    throw new AppLockError(
      'INVALID_CONFIGURATION',
      `Expected a SQL Server connection string or an mssql config object, got ${connection === null ? 'null' : typeof connection}`,
    );
  }
  if (typeof config.server !== 'string' || config.server.trim() === '') {
    throw new AppLockError('INVALID_CONFIGURATION', 'The SQL Server connection settings name no server (Server=... / config.server)');
  }
  if (config.port !== undefined && (!Number.isInteger(config.port) || config.port <= 0 || config.port > 65_535)) {
    throw new AppLockError('INVALID_CONFIGURATION', `The SQL Server port must be an integer in 1..65535, got ${String(config.port)}`);
  }
  return applicationName === undefined
    ? { config, target: describeSqlServerTarget(config) }
    : { config, target: describeSqlServerTarget(config), applicationName };
}

/**
 * A password-free description of where a config points, for logs and errors:
 * `sqlserver://user@server:port/database` (`user` and `database` omitted when not set; the
 * instance name after a backslash).
 */
export function describeSqlServerTarget(config: mssql.config): string {
  const user = config.user ?? readAuthenticationUser(config);
  const instance = config.options?.instanceName;
  const host = `${config.server}${instance ? `\\${instance}` : `:${config.port ?? 1433}`}`;
  const database = config.database ?? config.options?.database;
  return `sqlserver://${user ? `${encodeURIComponent(user)}@` : ''}${host}/${database ? encodeURIComponent(database) : ''}`;
}

/** The options that shape the dedicated lock connection. */
export interface LockConnectionSettings {
  /** `APP_NAME()` of the session (also `sys.dm_exec_sessions.program_name`). */
  readonly applicationName: string;
  /** tedious' own request timeout in ms (a backstop; `SessionAppLock` bounds requests first). */
  readonly requestTimeoutMs: number;
  /** Called with every tedious connection the pool creates, before it connects. */
  readonly beforeConnect: (connection: mssql.Connection) => void;
}

/**
 * The mssql config of a dedicated lock connection: the user's settings, plus a pool of at most
 * ONE connection that is never reaped for idleness (`idleTimeoutMillis` at its maximum), no SQL
 * validation query, our application name and request timeout. The connection is then pinned by a
 * prepared statement so the pool never hands it out, recycles or replaces it (see
 * `sql-server-lock-session.ts`).
 */
export function lockConnectionConfig(config: mssql.config, settings: LockConnectionSettings): mssql.config {
  const userBeforeConnect = config.beforeConnect;
  return {
    ...config,
    options: { ...config.options, appName: settings.applicationName },
    requestTimeout: settings.requestTimeoutMs,
    pool: { ...config.pool, min: 0, max: 1, idleTimeoutMillis: 2_147_483_647 },
    validateConnection: false,
    beforeConnect: (connection) => {
      settings.beforeConnect(connection);
      userBeforeConnect?.(connection);
    },
  };
}

/** `Application Name=` / `App=` from an ADO-style string (mssql's parser drops it). */
function readApplicationName(connection: string): string | undefined {
  const match = /(?:^|;)\s*(?:application name|app)\s*=\s*([^;]*)/i.exec(connection);
  const value = match?.[1]?.trim();
  return value ? value.replace(/^(["'])(.*)\1$/, '$2') : undefined;
}

function readAuthenticationUser(config: mssql.config): string | undefined {
  const options = (config.authentication as { options?: { userName?: unknown } } | undefined)?.options;
  return typeof options?.userName === 'string' ? options.userName : undefined;
}
