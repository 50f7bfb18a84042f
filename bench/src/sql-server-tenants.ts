/**
 * Benchmark 5 (tenants) on SQL Server: the PostgreSQL row's tenants, shards and nodes on tenant
 * databases created on the server at POLECAT_TEST_MSSQL for the run (and dropped after it), printed
 * as `sqlserver 5 ...` rows. No connection cap is set (SQL Server's `user connections` is a
 * server-wide setting that needs a restart), so there is no refusal row: the rows compare lock
 * sessions per node (lock home vs one per tenant), ownership time, requests per cycle, overlaps and
 * SIGKILL takeover. Needs CREATE ANY DATABASE (e.g. `dbcreator`) and VIEW SERVER STATE.
 */
import { randomBytes } from 'node:crypto';
import mssql from 'mssql';
import { createSqlServerAdmin } from '@polecat/test-utils';
import { sqlServerCreateDatabaseSql, sqlServerDropDatabaseSql } from './sql-server-statements';
import type { Row } from './stats';
import { tenantRows } from './tenant-rows';
import { TENANT_PLAN, runTenantRow, type TenantServer, type TenantsResult } from './tenants';

/** `connectionString` with its database set to `database`, in its own form (URL or keywords). */
export function sqlServerConnectionWithDatabase(connectionString: string, database: string): string {
  if (/^(sqlserver|mssql):\/\//i.test(connectionString)) {
    const url = new URL(connectionString);
    url.pathname = `/${encodeURIComponent(database)}`;
    return url.toString();
  }
  const keyword = /(^|;)\s*(database|initial catalog)\s*=\s*(\{[^}]*\}|[^;]*)/i;
  return keyword.test(connectionString)
    ? connectionString.replace(keyword, `$1Database=${database}`)
    : `${connectionString.replace(/;?\s*$/, '')};Database=${database}`;
}

/** Rows `sqlserver 5 ...`: creates the tenant databases and a lock-home database, runs both configurations, drops them. */
export async function runSqlServerTenantRows(
  connectionString: string,
  trials: number,
  raw: Record<string, unknown>,
  log: (line: string) => void,
): Promise<Row[]> {
  const { tenants: count, shards, nodes } = TENANT_PLAN;
  log(
    `5. tenants on SQL Server: ${count} tenant databases x ${shards} shards, ${nodes} node processes (no connection cap); lock home vs one lock session per tenant`,
  );
  const run = randomBytes(3).toString('hex');
  const names = Array.from({ length: count }, (_, i) => `polecat_bench_${run}_t${String(i + 1).padStart(4, '0')}`);
  const homeName = `polecat_bench_${run}_locks`;
  const pool = new mssql.ConnectionPool(connectionString);
  pool.on('error', () => {});
  await pool.connect();
  const admin = await createSqlServerAdmin(connectionString);
  const created: string[] = [];
  try {
    const startedAt = performance.now();
    for (const name of [...names, homeName]) {
      await pool.request().batch(sqlServerCreateDatabaseSql(name));
      created.push(name);
    }
    log(`  ${created.length} databases created in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    const tenants = names.map((name) => ({ id: name, url: sqlServerConnectionWithDatabase(connectionString, name) }));
    const server: TenantServer = { connectionsOf: async (id) => (await admin.sessionIds(id)).length, refusals: () => Number.NaN };
    const plan = { shards, nodes };
    const home: TenantsResult = await runTenantRow(
      'lock-home',
      tenants,
      sqlServerConnectionWithDatabase(connectionString, homeName),
      server,
      trials,
      log,
      plan,
    );
    const baseline: TenantsResult = await runTenantRow('baseline', tenants, undefined, server, 0, log, plan);
    raw.sqlServerTenants = { home, baseline };
    return tenantRows(`sqlserver 5 tenants ${count} dbs x ${nodes} nodes (no connection cap)`, count, home, baseline, false);
  } finally {
    for (const name of created) {
      await pool
        .request()
        .batch(sqlServerDropDatabaseSql(name))
        .catch((error: unknown) => log(`  could not drop ${name}: ${error instanceof Error ? error.message : String(error)}`));
    }
    await admin.close().catch(() => undefined);
    await pool.close().catch(() => undefined);
  }
}
