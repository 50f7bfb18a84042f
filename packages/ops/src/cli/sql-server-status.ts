import { DEFAULT_DAEMON_LOCK_ID, computeLockId } from '@polecat/distributors';
import type { ClusterSnapshot } from '../cluster-snapshot';
import type { KnownSetRecord } from '../node-record';
import { OpsError } from '../ops-error';
import { readSqlServerClusterSnapshot, type SqlServerQueryable } from '../sql-server-cluster-snapshot';

/** What `polecat status` needs to look for on SQL Server (no registry there yet). */
export interface SqlServerStatusInput {
  readonly connection: string;
  /** Shard identities or names (`Trip` means `Trip:All`), one set each (SingleTenant). */
  readonly shards: readonly string[];
  readonly daemonLockId?: number;
  /** The store's schema (part of the lock-id hash). Default `dbo`. */
  readonly storeSchema?: string;
}

/** The SingleTenant sets of `shards` (one per shard, lock ids as the distributors compute them). */
export function singleTenantSets(shards: readonly string[], storeSchema = 'dbo', daemonLockId = DEFAULT_DAEMON_LOCK_ID, database = 'default'): KnownSetRecord[] {
  return shards.map((shard) => {
    const identity = shard.includes(':') ? shard : `${shard}:All`;
    const lockId = computeLockId(storeSchema, identity, daemonLockId);
    return { key: `${database}/${lockId}`, lockId, database, shards: [identity] };
  });
}

interface MssqlPool extends SqlServerQueryable {
  connect(): Promise<unknown>;
  close(): Promise<void>;
}

/** Reads the SQL Server cluster view (mssql and `@polecat/app-lock/sql-server` load on first use). */
export async function sqlServerStatus(input: SqlServerStatusInput): Promise<ClusterSnapshot> {
  if (input.shards.length === 0) {
    throw new OpsError('INVALID_ARGUMENT', 'on SQL Server, pass the shards to look for (--shards Trip,Day): there is no registry table there yet');
  }
  let pool: MssqlPool;
  try {
    const { parseSqlServerConnection } = await import('@polecat/app-lock/sql-server');
    const mssql = (await import('mssql')) as unknown as { default?: { ConnectionPool: new (config: unknown) => MssqlPool }; ConnectionPool: new (config: unknown) => MssqlPool };
    const ConnectionPool = (mssql.default ?? mssql).ConnectionPool;
    pool = new ConnectionPool({ ...parseSqlServerConnection(input.connection).config, options: { ...parseSqlServerConnection(input.connection).config.options, appName: 'polecat-cli' } });
  } catch (cause) {
    throw new OpsError('UNSUPPORTED_CONNECTION', `SQL Server needs the mssql package and a valid connection string (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
  }
  try {
    await pool.connect();
  } catch (cause) {
    throw new OpsError('QUERY_FAILED', `could not connect to SQL Server: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  try {
    return await readSqlServerClusterSnapshot(pool, { sets: singleTenantSets(input.shards, input.storeSchema, input.daemonLockId) });
  } finally {
    await pool.close().catch(() => undefined);
  }
}
