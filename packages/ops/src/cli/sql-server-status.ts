import { DEFAULT_DAEMON_LOCK_ID, computeLockId } from '@polecat/distributors';
import type { ClusterSnapshot } from '../cluster-snapshot';
import type { KnownSetRecord } from '../node-record';
import { OpsError } from '../ops-error';
import { readSqlServerClusterSnapshot, type SqlServerQueryable } from '../sql-server-cluster-snapshot';
import { assertSqlServerOpsSchema } from '../sql-server/sql-server-ops-schema';
import { readSqlServerClusterSnapshotWithRegistry } from '../sql-server/sql-server-registry-snapshot';
import { withSqlServer } from './sql-server-connection';

/** What `polecat status` needs to look for on SQL Server. */
export interface SqlServerStatusInput {
  readonly connection: string;
  /** Shard identities or names (`Trip` means `Trip:All`), one set each (SingleTenant), besides the registered sets. */
  readonly shards: readonly string[];
  /** Schema of the ops tables. Default `dbo`. */
  readonly schema?: string;
  readonly daemonLockId?: number;
  /** The store's schema (part of the lock-id hash). Default `dbo`. */
  readonly storeSchema?: string;
}

/** The SingleTenant sets of `shards` (one per shard, lock ids as the distributors compute them). */
export function singleTenantSets(
  shards: readonly string[],
  storeSchema = 'dbo',
  daemonLockId = DEFAULT_DAEMON_LOCK_ID,
  database = 'default',
): KnownSetRecord[] {
  return shards.map((shard) => {
    const identity = shard.includes(':') ? shard : `${shard}:All`;
    const lockId = computeLockId(storeSchema, identity, daemonLockId);
    return { key: `${database}/${lockId}`, lockId, database, shards: [identity] };
  });
}

/**
 * Reads the SQL Server cluster view on `pool`: the registered sets, holders, pauses and drains when
 * the ops tables exist (`polecat init`), plus the sets of `shards`. Throws `OpsError`
 * `INVALID_ARGUMENT` when there are neither ops tables nor shards to look for.
 */
export async function readSqlServerStatus(pool: SqlServerQueryable, input: Omit<SqlServerStatusInput, 'connection'>): Promise<ClusterSnapshot> {
  const sets = input.shards.length === 0 ? [] : singleTenantSets(input.shards, input.storeSchema, input.daemonLockId);
  const schema = input.schema === undefined ? {} : { schema: input.schema };
  const registry = await assertSqlServerOpsSchema(pool, schema).then(
    () => true,
    (error: unknown) => {
      if (OpsError.hasCode(error, 'SCHEMA_MISSING')) return false;
      throw error;
    },
  );
  if (registry) return readSqlServerClusterSnapshotWithRegistry(pool, { ...schema, sets });
  if (sets.length === 0) {
    throw new OpsError(
      'INVALID_ARGUMENT',
      'this SQL Server database has no ops tables (create them with `polecat init <connection>`); else pass the shards to look for (--shards Trip,Day)',
    );
  }
  return readSqlServerClusterSnapshot(pool, { sets });
}

/** {@link readSqlServerStatus} on a connection of its own (mssql and `@polecat/app-lock/sql-server` load on first use). */
export function sqlServerStatus(input: SqlServerStatusInput): Promise<ClusterSnapshot> {
  return withSqlServer(input.connection, (pool) => readSqlServerStatus(pool, input));
}
