/**
 * The SQL Server branch of the benchmarks: when POLECAT_TEST_MSSQL holds a connection string, the lock
 * primitive (4), cycle cost (2), takeover with 4 nodes (1b), standby cost (3b) and tenants (5) benchmarks run on it too, as extra rows whose group starts with
 * `sqlserver`; otherwise one line says they were skipped and why. PostgreSQL rows are untouched.
 */
import mssql from 'mssql';
import { SqlServerAppLock } from '@polecat/app-lock/sql-server';
import { CONFIGS, scope } from './configs';
import { runCycleCost, type CycleCostResult } from './cycle-cost';
import { measureBatchAndOneByOne } from './lock-primitive';
import { RAW_ACQUIRE_SQL, RAW_VERIFY_SQL } from './sql-server-statements';
import { runSqlServerTakeoverRows } from './sql-server-takeover';
import type { Row } from './stats';

/** What {@link runSqlServerBenchmarks} needs from main. */
export interface SqlServerBenchPlan {
  readonly wants: (name: string) => boolean;
  readonly cycleCounts: readonly number[];
  readonly cycles: number;
  /** Faults per event of benchmark 1b. */
  readonly trials: number;
  /** Length of benchmark 3b. */
  readonly standbySeconds: number;
  readonly raw: Record<string, unknown>;
  readonly log: (line: string) => void;
}

/** Runs the SQL Server rows, or logs the one skip line and returns none. */
export async function runSqlServerBenchmarks(plan: SqlServerBenchPlan): Promise<Row[]> {
  const connectionString = process.env.POLECAT_TEST_MSSQL?.trim();
  if (connectionString === undefined || connectionString === '') {
    plan.log('SQL Server benchmarks skipped: POLECAT_TEST_MSSQL is not set (no SQL Server here)');
    return [];
  }
  const rows: Row[] = [];
  if (plan.wants('lock')) {
    plan.log('4. lock primitive on SQL Server: 1000 ids');
    const lock = await lockPrimitive(connectionString, 1000);
    plan.raw.sqlServerLockPrimitive = lock;
    const group = 'sqlserver 4 lock 1000 ids';
    rows.push(
      { group, metric: 'acquire', unit: 'ms', ours: lock.batchAcquireMs, baseline: lock.oneByOneAcquireMs },
      { group, metric: 'acquire round trips', unit: 'n', ours: lock.batchAcquireRoundTrips, baseline: lock.oneByOneAcquireRoundTrips },
      { group, metric: 'verify', unit: 'ms', ours: lock.batchVerifyMs, baseline: lock.oneByOneVerifyMs },
      { group, metric: 'verify round trips', unit: 'n', ours: lock.batchVerifyRoundTrips, baseline: lock.oneByOneVerifyRoundTrips },
    );
  }
  if (plan.wants('cycle')) {
    const cycle: CycleCostResult[] = [];
    for (const config of CONFIGS) {
      plan.log(`2. cycle cost on SQL Server (${config.name}): ${plan.cycleCounts.join(', ')} shards`);
      cycle.push(
        ...(await runCycleCost(
          { schema: 'dbo', createLock: (applicationName, bench) => new SqlServerAppLock(connectionString, { applicationName, ...bench.lock }) },
          config,
          plan.cycleCounts,
          plan.cycles,
        )),
      );
    }
    plan.raw.sqlServerCycleCost = cycle;
    for (const count of plan.cycleCounts) {
      for (const role of ['owner', 'standby'] as const) {
        const pick = (name: string) => cycle.find((c) => c.config === name && c.shards === count && c.role === role)!;
        const [ours, base] = [pick('ours'), pick('baseline')];
        const group = `sqlserver 2 cycle ${count} shards`;
        rows.push(
          { group, metric: `${role} round trips`, unit: 'n', ours: ours.roundTrips, baseline: base.roundTrips, target: '<= 2', met: ours.roundTrips <= 2 },
          { group, metric: `${role} wall`, unit: 'ms', ours: ours.wallMs, baseline: base.wallMs },
        );
      }
    }
  }
  rows.push(...(await runSqlServerTakeoverRows(connectionString, plan)));
  return rows;
}

interface LockPrimitive {
  readonly batchAcquireMs: number;
  readonly batchAcquireRoundTrips: number;
  readonly oneByOneAcquireMs: number;
  readonly oneByOneAcquireRoundTrips: number;
  readonly batchVerifyMs: number;
  readonly batchVerifyRoundTrips: number;
  readonly oneByOneVerifyMs: number;
  readonly oneByOneVerifyRoundTrips: number;
}

/** Batch `tryAttainLocks` / `verifyLocks` vs `tryAttainLock` per id and one `APPLOCK_MODE` query per id. */
async function lockPrimitive(connectionString: string, count: number): Promise<LockPrimitive> {
  const { daemonLockId } = scope('m');
  const ids = Array.from({ length: count }, (_, i) => daemonLockId + i);
  const batch = new SqlServerAppLock(connectionString, { applicationName: 'polecat-bench-batch', verifyIntervalMs: 0 });
  const single = new SqlServerAppLock(connectionString, { applicationName: 'polecat-bench-single', verifyIntervalMs: 0 });
  // One connection (max 1), so every request runs on the session that holds the locks.
  const rawConfig = mssql.ConnectionPool.parseConnectionString(connectionString);
  const raw = new mssql.ConnectionPool({ ...rawConfig, pool: { min: 1, max: 1 }, options: { ...rawConfig.options, appName: 'polecat-bench-raw' } });
  raw.on('error', () => {});
  try {
    const measured = await measureBatchAndOneByOne(batch, single, ids, daemonLockId);
    // What a lock without batch verification must do: one APPLOCK_MODE query per id on the holding session.
    await raw.connect();
    const resources = ids.map((id) => single.resourceName(id));
    for (const resource of resources) {
      const result = await raw.request().input('r', mssql.NVarChar(255), resource).query<{ code: number }>(RAW_ACQUIRE_SQL);
      if ((result.recordset[0]?.code ?? -1) < 0) throw new Error(`raw session denied ${resource}`);
    }
    const started = performance.now();
    for (const resource of resources) {
      const result = await raw.request().input('r', mssql.NVarChar(255), resource).query<{ mode: string }>(RAW_VERIFY_SQL);
      if (result.recordset[0]?.mode !== 'Exclusive') throw new Error(`lost ${resource}`);
    }
    const oneByOneVerifyMs = performance.now() - started;
    return { ...measured, oneByOneVerifyMs, oneByOneVerifyRoundTrips: count };
  } finally {
    await raw.close().catch(() => {});
    await batch.dispose();
    await single.dispose();
  }
}
