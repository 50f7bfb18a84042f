import { resolveEsm, type AppLockPostgresModule, type LockLike } from './load-modules';

type LockConstructor = new (connection: string, options: Record<string, unknown>) => LockLike;

/** `true` for a `postgres://` / `postgresql://` URL; anything else is taken for a SQL Server connection string. */
function isPostgresUrl(connection: string): boolean {
  return /^postgres(ql)?:\/\//i.test(connection);
}

/**
 * The node process's lock factory: a `PostgresAppLock` for a `postgres://` URL, a `SqlServerAppLock`
 * for anything else (a SQL Server connection string; `@polecat/app-lock/sql-server` is loaded only
 * when one of `connections` needs it). PostgreSQL-only lock options (`releaseChannel`) are dropped
 * for SQL Server.
 */
export async function createLockFactory(
  connections: readonly (string | undefined)[],
  appLockPostgres: AppLockPostgresModule,
  fromDir: string,
  sqlServerSpecifier = '@polecat/app-lock/sql-server',
): Promise<(connection: string, options: Record<string, unknown>) => LockLike> {
  let SqlServerAppLock: LockConstructor | undefined;
  if (connections.some((connection) => connection !== undefined && !isPostgresUrl(connection))) {
    const loaded = (await import(resolveEsm(sqlServerSpecifier, fromDir))) as {
      SqlServerAppLock?: LockConstructor;
      default?: { SqlServerAppLock?: LockConstructor };
    };
    SqlServerAppLock = loaded.SqlServerAppLock ?? loaded.default?.SqlServerAppLock;
    if (SqlServerAppLock === undefined) throw new Error(`node-main: ${sqlServerSpecifier} exports no SqlServerAppLock`);
  }
  return (connection, options) => {
    if (isPostgresUrl(connection)) return new appLockPostgres.PostgresAppLock(connection, options);
    const { releaseChannel: _postgresOnly, ...sqlServerOptions } = options;
    return new SqlServerAppLock!(connection, sqlServerOptions);
  };
}
