/**
 * Benchmarks 1b (takeover, 4 nodes, exact defaults), 3b (standby cost) and 5 (tenants, see
 * `sql-server-tenants.ts`) on SQL Server, printed as `sqlserver 1b ...` / `3b` / `5` rows next to the PostgreSQL ones. The node processes open a
 * `SqlServerAppLock` for a SQL Server connection string (test-utils' node process), a session kill is
 * `KILL` on the nodes' sessions (found by `program_name`), a TCP cut resets a per-node proxy.
 */
import { parseSqlServerConnection } from '@polecat/app-lock/sql-server';
import { createSqlServerAdmin, type TcpProxy } from '@polecat/test-utils';
import { BALANCED, BASELINE, type BenchConfig } from './configs';
import { runSqlServerTenantRows } from './sql-server-tenants';
import type { Row } from './stats';
import { DEFAULTS_NODES, DEFAULTS_TAKEOVER_EVENTS, runDefaultsTakeover, runStandbyCost, type StandbyCostResult } from './takeover-defaults';
import type { ProxyRoute, TakeoverResult } from './takeover';

/** `connectionString` pointed at 127.0.0.1:`port` (a local proxy), in its own form (URL or keywords). */
export function sqlServerConnectionThrough(connectionString: string, port: number): string {
  if (/^(sqlserver|mssql):\/\//i.test(connectionString)) {
    const url = new URL(connectionString);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    return url.toString();
  }
  const server = /(^|;)\s*(server|data source|address|addr|network address)\s*=\s*(\{[^}]*\}|[^;]*)/i;
  if (!server.test(connectionString)) throw new Error('the SQL Server connection string names no server');
  return connectionString.replace(server, `$1Server=127.0.0.1,${port}`);
}

/** The proxy route of a SQL Server connection string (for the `tcp-cut` fault). */
export function sqlServerRoute(connectionString: string): ProxyRoute {
  const { config } = parseSqlServerConnection(connectionString);
  return { target: { host: config.server, port: config.port ?? 1433 }, through: (proxy: TcpProxy) => sqlServerConnectionThrough(connectionString, proxy.port) };
}

/** What {@link runSqlServerTakeoverRows} needs from main. */
export interface SqlServerTakeoverPlan {
  readonly wants: (name: string) => boolean;
  readonly trials: number;
  readonly standbySeconds: number;
  readonly raw: Record<string, unknown>;
  readonly log: (line: string) => void;
}

/** Rows 1b and 3b on the SQL Server at `connectionString` (ours with balancing vs the baseline). */
export async function runSqlServerTakeoverRows(connectionString: string, plan: SqlServerTakeoverPlan): Promise<Row[]> {
  const rows: Row[] = [];
  const configs: BenchConfig[] = [BALANCED, BASELINE];
  if (plan.wants('takeover4')) {
    const admin = await createSqlServerAdmin(connectionString);
    const backend = {
      admin: { terminateBackendsByApplicationName: (name: string) => admin.killSessionsByApplicationName(name) },
      route: sqlServerRoute(connectionString),
    };
    const results: TakeoverResult[] = [];
    try {
      for (const config of configs) {
        plan.log(`1b. takeover on SQL Server (${config.name}): ${DEFAULTS_NODES} nodes x 100 shards, ${plan.trials} trials per event`);
        results.push(...(await runDefaultsTakeover(connectionString, config, plan.trials, plan.log, backend)));
      }
    } finally {
      await admin.close();
    }
    plan.raw.sqlServerTakeoverDefaults = results;
    for (const event of DEFAULTS_TAKEOVER_EVENTS) {
      const ours = results.find((t) => t.config === BALANCED.name && t.event === event)!;
      const base = results.find((t) => t.config === BASELINE.name && t.event === event)!;
      const group = `sqlserver 1b takeover ${DEFAULTS_NODES} nodes (defaults) ${event}`;
      const metric = event === 'sigkill' ? 'running elsewhere' : 'owned again';
      for (const key of ['median', 'p99', 'worst'] as const)
        rows.push({ group, metric: `${metric} ${key}`, unit: 'ms', ours: ours.takeover[key], baseline: base.takeover[key] });
      rows.push({ group, metric: 'ledger overlaps', unit: 'n', ours: ours.overlaps, baseline: base.overlaps, target: '= 0', met: ours.overlaps === 0 });
    }
  }
  if (plan.wants('standby')) {
    const results: StandbyCostResult[] = [];
    for (const config of configs) {
      plan.log(`3b. standby cost on SQL Server (${config.name}): ${DEFAULTS_NODES} nodes x 100 shards for ${plan.standbySeconds} s`);
      results.push(await runStandbyCost(connectionString, config, plan.standbySeconds));
    }
    plan.raw.sqlServerStandbyCost = results;
    const [ours, base] = [results.find((r) => r.config === BALANCED.name)!, results.find((r) => r.config === BASELINE.name)!];
    const group = `sqlserver 3b steady ${DEFAULTS_NODES} nodes x 100 shards (defaults)`;
    rows.push(
      { group, metric: 'standby queries per node (no verification)', unit: '/s', ours: ours.standbyQueriesPerSecond, baseline: base.standbyQueriesPerSecond },
      { group, metric: 'all queries per node', unit: '/s', ours: ours.queriesPerSecond, baseline: base.queriesPerSecond },
    );
  }
  if (plan.wants('tenants')) rows.push(...(await runSqlServerTenantRows(connectionString, plan.trials, plan.raw, plan.log)));
  return rows;
}
