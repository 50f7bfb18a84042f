import { OpsError } from '../ops-error';
import type { SqlServerQueryable } from '../sql-server-cluster-snapshot';

/** An open `mssql.ConnectionPool`, as the CLI uses it. */
export interface SqlServerPool extends SqlServerQueryable {
  close(): Promise<void>;
}

interface MssqlPool extends SqlServerPool {
  connect(): Promise<unknown>;
}

/**
 * Opens the operator's SQL Server connection (`mssql` and `@polecat/app-lock/sql-server` load on
 * first use; `APP_NAME()` is `polecat-cli`). Throws `OpsError` `UNSUPPORTED_CONNECTION` without
 * mssql or for a bad connection string, `QUERY_FAILED` when the server cannot be reached.
 */
export async function openSqlServer(connection: string): Promise<SqlServerPool> {
  let pool: MssqlPool;
  try {
    const { parseSqlServerConnection } = await import('@polecat/app-lock/sql-server');
    const mssql = (await import('mssql')) as unknown as {
      default?: { ConnectionPool: new (config: unknown) => MssqlPool };
      ConnectionPool: new (config: unknown) => MssqlPool;
    };
    const ConnectionPool = (mssql.default ?? mssql).ConnectionPool;
    const { config } = parseSqlServerConnection(connection);
    pool = new ConnectionPool({ ...config, options: { ...config.options, appName: 'polecat-cli' } });
  } catch (cause) {
    throw new OpsError(
      'UNSUPPORTED_CONNECTION',
      `SQL Server needs the mssql package and a valid connection string (${cause instanceof Error ? cause.message : String(cause)})`,
      { cause },
    );
  }
  try {
    await pool.connect();
  } catch (cause) {
    throw new OpsError('QUERY_FAILED', `could not connect to SQL Server: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return pool;
}

/** Runs `work` with an open pool and always closes it. */
export async function withSqlServer<T>(connection: string, work: (pool: SqlServerPool) => Promise<T>): Promise<T> {
  const pool = await openSqlServer(connection);
  try {
    return await work(pool);
  } finally {
    await pool.close().catch(() => undefined);
  }
}
