import type { ClusterSnapshot } from '../cluster-snapshot';
import { readSqlServerClusterSnapshot, type SqlServerQueryable } from '../sql-server-cluster-snapshot';
import type { KnownSetRecord } from '../node-record';
import { readSqlServerIntents, readSqlServerNodeRecords } from './sql-server-intents-admin';
import type { SqlServerOpsSchemaOptions } from './sql-server-ops-schema';

/** Options of {@link readSqlServerClusterSnapshotWithRegistry}. */
export interface SqlServerRegistrySnapshotOptions extends SqlServerOpsSchemaOptions {
  /** Sets to report besides the registered ones. Default none. */
  readonly sets?: readonly KnownSetRecord[];
  /** The `sp_getapplock` resource name of a lock id. Default: the plain decimal id. */
  readonly resourceName?: (lockId: number) => string;
}

/**
 * The SQL Server cluster view with the registry and intents of the SQL Server ops tables: every
 * set the nodes registered, its holder, since when, its agents, pauses and drains, as
 * `readPostgresClusterSnapshot` gives on PostgreSQL (no stranded-lock view on SQL Server).
 * Throws `OpsError` `SCHEMA_MISSING` when the ops tables are not there.
 */
export async function readSqlServerClusterSnapshotWithRegistry(
  db: SqlServerQueryable,
  options: SqlServerRegistrySnapshotOptions = {},
): Promise<ClusterSnapshot> {
  const [nodes, intents] = [await readSqlServerNodeRecords(db, options), await readSqlServerIntents(db, options)];
  return readSqlServerClusterSnapshot(db, {
    sets: options.sets ?? [],
    nodes,
    intents,
    ...(options.resourceName === undefined ? {} : { resourceName: options.resourceName }),
  });
}
