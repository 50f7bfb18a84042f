import {
  ACCEPTED_CONNECTION_FORMS,
  CONNECTION_BACKENDS,
  InMemoryLockServer,
  connectionStringBackend,
  connectionStringForm,
  toLogger,
  type AppLock,
  type ConnectionBackend,
  type ConnectionBackendSpec,
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
  /** Where lock warnings go; `false` silences. Default: silent (`runShards` passes its own, stderr by default). */
  readonly logger?: Logger | ConsoleLike | false;
}

/** `true` for the PostgreSQL forms: `postgres://...`, `postgresql://...` (case-insensitive) and libpq keyword/value strings. */
export function isPostgresConnectionString(connection: string): boolean {
  return connectionStringBackend(connection) === 'postgres';
}

/**
 * The backend a connection string is for, recognised by its form (see `CONNECTION_BACKENDS`);
 * `undefined` when it has no recognised form (a typo such as `postgress://`, `mysql://`, a
 * malformed URL, free text).
 */
export function connectionBackend(connection: string): ConnectionBackend | undefined {
  return connectionStringBackend(connection);
}

/** What a backend's lock owners are built with. */
type LockOwnerOptions = { readonly logger?: Logger; readonly applicationName?: string };

/**
 * How each backend of `CONNECTION_BACKENDS` (from `@polecat/app-lock`, the one list of backends)
 * builds its owners: imports its module (and so its driver) on first use, checks the connection
 * string at once (not at the first lock attempt), and returns the owner factory. The mapped type
 * makes a backend added to that list a compile error here until its loader is written.
 */
const BACKEND_LOADERS: { readonly [B in ConnectionBackend]: (connection: string, options: LockOwnerOptions) => Promise<() => AppLock> } = {
  async postgres(connection, options) {
    const { PostgresAppLock, parsePostgresKeywordString } = await import('@polecat/app-lock-postgres');
    if (connectionStringForm(connection) === 'postgres-keywords') parsePostgresKeywordString(connection);
    return builtAtOnce(() => new PostgresAppLock(connection, options));
  },
  async sqlserver(connection, options) {
    const { SqlServerAppLock, parseSqlServerConnection } = await import('@polecat/app-lock/sql-server');
    parseSqlServerConnection(connection);
    return builtAtOnce(() => new SqlServerAppLock(connection, options));
  },
};

/**
 * A factory whose first lock is built NOW, so that the lock constructor refuses a bad argument
 * (an `applicationName` of 64 characters, ...) from `lockFactoryFor` itself rather than inside the
 * coordinator's loop; that first lock is handed to the first caller.
 */
function builtAtOnce(build: () => AppLock): () => AppLock {
  let first: AppLock | undefined = build();
  return () => {
    const lock = first ?? build();
    first = undefined;
    return lock;
  };
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
    const given: unknown = connection.server;
    if (given !== undefined && typeof (given as { createLock?: unknown } | null)?.createLock !== 'function') {
      throw new DiAdapterError(
        'INVALID_CONFIGURATION',
        `connection { backend: 'memory', server } needs an InMemoryLockServer as server, got ${given === null ? 'null' : typeof given}`,
      );
    }
    const server = connection.server ?? new InMemoryLockServer();
    return () => server.createLock(shared);
  }
  if (typeof connection !== 'string' || connection.trim() === '') {
    throw new DiAdapterError('INVALID_CONFIGURATION', `connection must be ${ACCEPTED_CONNECTION_FORMS}, or { backend: 'memory' }`);
  }
  const backend = connectionStringBackend(connection);
  const spec = CONNECTION_BACKENDS.find((candidate) => candidate.backend === backend);
  if (backend === undefined || spec === undefined) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `connection is not a connection string of a recognised form (its text is not repeated here because it may contain a password); expected ${ACCEPTED_CONNECTION_FORMS}, or { backend: 'memory' }`,
    );
  }
  const applicationName = options.applicationName === undefined ? {} : { applicationName: options.applicationName };
  return loadDriver(spec, () => BACKEND_LOADERS[backend](connection, { ...shared, ...applicationName }));
}

/** Runs a backend loader; a missing driver becomes a `MISSING_DRIVER` error naming the package to install. */
async function loadDriver<T>(spec: ConnectionBackendSpec, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : '';
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && new RegExp(`['"]${spec.driver}['"/]`).test(message)) {
      throw new DiAdapterError(
        'MISSING_DRIVER',
        `A ${spec.label} connection needs the "${spec.driver}" package, an optional peer dependency of @polecat/polecat: install it (npm install ${spec.driver})`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}
