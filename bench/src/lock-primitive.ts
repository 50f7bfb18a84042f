import pg from 'pg';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { scope } from './configs';

export interface LockPrimitiveResult {
  readonly ids: number;
  readonly batchAcquireMs: number;
  readonly batchAcquireRoundTrips: number;
  readonly oneByOneAcquireMs: number;
  readonly oneByOneAcquireRoundTrips: number;
  readonly batchVerifyMs: number;
  readonly batchVerifyRoundTrips: number;
  readonly oneByOneVerifyMs: number;
  readonly oneByOneVerifyRoundTrips: number;
}

const VERIFY_ONE = `select exists(select 1 from pg_locks l where l.locktype = 'advisory' and l.pid = pg_backend_pid() and l.granted
  and l.objsubid = 1 and ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint) as held`;

/**
 * Benchmark 4: `PostgresAppLock.tryAttainLocks` / `verifyLocks` over `count` ids (one round trip
 * each) against `tryAttainLock` per id, and a per-id verification query on a plain `pg.Client`
 * holding the same locks (what a lock without batch verification must do).
 */
export async function runLockPrimitive(url: string, count: number): Promise<LockPrimitiveResult> {
  const { daemonLockId } = scope('l');
  const ids = Array.from({ length: count }, (_, i) => daemonLockId + i);
  const batch = new PostgresAppLock(url, { applicationName: 'polecat-bench-batch', verifyIntervalMs: 0 });
  const single = new PostgresAppLock(url, { applicationName: 'polecat-bench-single', verifyIntervalMs: 0 });
  const client = new pg.Client({ connectionString: url, application_name: 'polecat-bench-raw' });
  try {
    const measured = await measureBatchAndOneByOne(batch, single, ids, daemonLockId);
    await client.connect();
    for (const id of ids) await client.query('select pg_advisory_lock($1::bigint)', [String(id)]);
    const started = performance.now();
    for (const id of ids) {
      const result = await client.query<{ held: boolean }>(VERIFY_ONE, [String(id)]);
      if (result.rows[0]?.held !== true) throw new Error(`lost ${id}`);
    }
    const oneByOneVerifyMs = performance.now() - started;
    return { ids: count, ...measured, oneByOneVerifyMs, oneByOneVerifyRoundTrips: count };
  } finally {
    await client.end().catch(() => {});
    await batch.dispose();
    await single.dispose();
  }
}

/** What {@link measureBatchAndOneByOne} needs of a lock (PostgresAppLock and SqlServerAppLock both fit). */
export interface BatchingLock {
  tryAttainLock(id: number): Promise<boolean>;
  tryAttainLocks(ids: readonly number[]): Promise<{ readonly size: number }>;
  verifyLocks(): Promise<unknown>;
  releaseAll(): Promise<void>;
  stats(): { readonly roundTrips: number };
}

/** Batch acquire + batch verify on `batch`, then one `tryAttainLock` per id on `single` (time and round trips of each); releases both. */
export async function measureBatchAndOneByOne(batch: BatchingLock, single: BatchingLock, ids: readonly number[], base: number) {
  const measure = async (lock: BatchingLock, action: () => Promise<unknown>): Promise<[number, number]> => {
    const before = lock.stats().roundTrips;
    const started = performance.now();
    await action();
    return [performance.now() - started, lock.stats().roundTrips - before];
  };
  await batch.tryAttainLock(base - 1); // connect first: connection time is not lock time
  await single.tryAttainLock(base - 2);
  const [batchAcquireMs, batchAcquireRoundTrips] = await measure(batch, async () => {
    const held = await batch.tryAttainLocks(ids);
    if (held.size !== ids.length) throw new Error(`batch acquired ${held.size}/${ids.length}`);
  });
  const [batchVerifyMs, batchVerifyRoundTrips] = await measure(batch, () => batch.verifyLocks());
  await batch.releaseAll();
  const [oneByOneAcquireMs, oneByOneAcquireRoundTrips] = await measure(single, async () => {
    for (const id of ids) if (!(await single.tryAttainLock(id))) throw new Error(`one-by-one denied ${id}`);
  });
  await single.releaseAll();
  return { batchAcquireMs, batchAcquireRoundTrips, batchVerifyMs, batchVerifyRoundTrips, oneByOneAcquireMs, oneByOneAcquireRoundTrips };
}
