/**
 * The SQL Server branch of the benchmarks: when POLECAT_TEST_MSSQL holds a connection string, the lock
 * primitive (4) and cycle cost (2) benchmarks run on it too, as extra rows whose group starts with
 * `sqlserver`; otherwise one line says they were skipped and why. PostgreSQL rows are untouched.
 */
import mssql from 'mssql';
import { SqlServerAppLock } from '@polecat/app-lock/sql-server';
import { ProjectionCoordinator, createFunctionDaemonFactory } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName, type ProjectionDistributor } from '@polecat/distributors';
import { sequentialAttempts } from '@polecat/test-utils';
import { CONFIGS, scope, type BenchConfig } from './configs';
import type { Row } from './stats';

/** What {@link runSqlServerBenchmarks} needs from main. */
export interface SqlServerBenchPlan {
  readonly wants: (name: string) => boolean;
  readonly cycleCounts: readonly number[];
  readonly cycles: number;
  readonly raw: Record<string, unknown>;
  readonly log: (line: string) => void;
}

const HOUR = 3_600_000;

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
    const cycle: CycleResult[] = [];
    for (const config of CONFIGS) {
      plan.log(`2. cycle cost on SQL Server (${config.name}): ${plan.cycleCounts.join(', ')} shards`);
      cycle.push(...(await cycleCost(connectionString, config, plan.cycleCounts, plan.cycles)));
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
  const measure = async (lock: SqlServerAppLock, action: () => Promise<unknown>): Promise<[number, number]> => {
    const before = lock.stats().roundTrips;
    const started = performance.now();
    await action();
    return [performance.now() - started, lock.stats().roundTrips - before];
  };
  const batch = new SqlServerAppLock(connectionString, { applicationName: 'polecat-bench-batch', verifyIntervalMs: 0 });
  const single = new SqlServerAppLock(connectionString, { applicationName: 'polecat-bench-single', verifyIntervalMs: 0 });
  // One connection (max 1), so every request runs on the session that holds the locks.
  const rawConfig = mssql.ConnectionPool.parseConnectionString(connectionString);
  const raw = new mssql.ConnectionPool({ ...rawConfig, pool: { min: 1, max: 1 }, options: { ...rawConfig.options, appName: 'polecat-bench-raw' } });
  raw.on('error', () => {});
  try {
    await batch.tryAttainLock(daemonLockId - 1); // connect first: connection time is not lock time
    await single.tryAttainLock(daemonLockId - 2);
    const [batchAcquireMs, batchAcquireRoundTrips] = await measure(batch, async () => {
      const held = await batch.tryAttainLocks(ids);
      if (held.size !== count) throw new Error(`batch acquired ${held.size}/${count}`);
    });
    const [batchVerifyMs, batchVerifyRoundTrips] = await measure(batch, () => batch.verifyLocks());
    await batch.releaseAll();
    const [oneByOneAcquireMs, oneByOneAcquireRoundTrips] = await measure(single, async () => {
      for (const id of ids) if (!(await single.tryAttainLock(id))) throw new Error(`one-by-one denied ${id}`);
    });
    await single.releaseAll();
    // What a lock without batch verification must do: one APPLOCK_MODE query per id on the holding session.
    await raw.connect();
    const resources = ids.map((id) => single.resourceName(id));
    for (const resource of resources) {
      const result = await raw.request().input('r', mssql.NVarChar(255), resource).query<{ code: number }>(
        "DECLARE @code int; EXEC @code = sp_getapplock @Resource = @r, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 0, @DbPrincipal = 'public'; SELECT @code AS code;",
      );
      if ((result.recordset[0]?.code ?? -1) < 0) throw new Error(`raw session denied ${resource}`);
    }
    const started = performance.now();
    for (const resource of resources) {
      const result = await raw.request().input('r', mssql.NVarChar(255), resource).query<{ mode: string }>("SELECT APPLOCK_MODE('public', @r, 'Session') AS mode");
      if (result.recordset[0]?.mode !== 'Exclusive') throw new Error(`lost ${resource}`);
    }
    const oneByOneVerifyMs = performance.now() - started;
    return {
      batchAcquireMs,
      batchAcquireRoundTrips,
      oneByOneAcquireMs,
      oneByOneAcquireRoundTrips,
      batchVerifyMs,
      batchVerifyRoundTrips,
      oneByOneVerifyMs,
      oneByOneVerifyRoundTrips: count,
    };
  } finally {
    await raw.close().catch(() => {});
    await batch.dispose();
    await single.dispose();
  }
}

interface CycleResult {
  readonly config: BenchConfig['name'];
  readonly shards: number;
  readonly role: 'owner' | 'standby';
  readonly roundTrips: number;
  readonly wallMs: number;
}

/** Benchmark 2 on SQL Server: one owner holding every shard, one standby denied everything; cycles forced with `wake()`. */
async function cycleCost(connectionString: string, config: BenchConfig, shardCounts: readonly number[], cycles: number): Promise<CycleResult[]> {
  const results: CycleResult[] = [];
  for (const count of shardCounts) {
    const { daemonLockId, prefix } = scope('n');
    const shards = Array.from({ length: count }, (_, i) => shardName(`${prefix}${i}`));
    const make = (id: string) => {
      const lock = new SqlServerAppLock(connectionString, { applicationName: id, ...config.lock });
      const plain = new SingleTenantProjectionDistributor({ databases: [{ id: 'main', schema: 'dbo' }], shards, daemonLockId, createLock: () => lock });
      const distributor: ProjectionDistributor = config.sequentialAttempts ? sequentialAttempts(plain) : plain;
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor,
        daemonFor: createFunctionDaemonFactory(() => ({ signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))),
        settings: { ...config.coordinator, leadershipPollingTime: HOUR, takeoverPollingTime: HOUR },
      });
      return { lock, coordinator };
    };
    const owner = make(`${prefix}-owner`);
    const standby = make(`${prefix}-standby`);
    try {
      await owner.coordinator.start();
      await ownsAll(owner.coordinator, count);
      await standby.coordinator.start();
      await nextCycle(standby.coordinator);
      for (const [role, node] of [['owner', owner], ['standby', standby]] as const) {
        const runs = count >= 10_000 && config.sequentialAttempts && role === 'standby' ? Math.min(cycles, 2) : cycles;
        let trips = 0;
        let wall = 0;
        for (let i = 0; i < runs; i += 1) {
          const before = node.lock.stats().roundTrips;
          const cycle = nextCycle(node.coordinator);
          const started = performance.now();
          node.coordinator.wake();
          await cycle;
          wall += performance.now() - started;
          trips += node.lock.stats().roundTrips - before;
        }
        results.push({ config: config.name, shards: count, role, roundTrips: trips / runs, wallMs: wall / runs });
      }
    } finally {
      await standby.coordinator.stop();
      await owner.coordinator.stop();
    }
  }
  return results;
}

function nextCycle(coordinator: ProjectionCoordinator): Promise<void> {
  return new Promise((resolve) => {
    const off = coordinator.on('cycle', () => {
      off();
      resolve();
    });
  });
}

async function ownsAll(coordinator: ProjectionCoordinator, count: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (coordinator.status().owned.length !== count) {
    if (Date.now() > deadline) throw new Error(`owner did not take ${count} sets`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
