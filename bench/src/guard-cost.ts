/**
 * What one lock statement costs as the server's lock table grows (issue 24 item 2): the
 * PostgreSQL lock statements read `pg_locks` (the pid guard's held count, verify, probe), and
 * `pg_locks` materialises EVERY lock of the cluster, so their server time grows with the advisory
 * locks held cluster-wide, not with the keys of the statement. For each size, one holder session
 * takes `size` advisory locks in its own key range; a `PostgresAppLock` then runs one-id calls
 * (`tryAttainLock`, `releaseLock`, `verifyLocks` holding one id, `probeLocks`: one statement each),
 * and a plain client an unguarded `pg_try_advisory_lock` for reference (the original's statement).
 * Median round trip (ms) over `samples` runs of each.
 */
import pg from 'pg';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { summarize } from './stats';

/** Median round trip (ms) per statement at one lock-table size. */
export interface GuardCostPoint {
  readonly locksHeld: number;
  readonly unguardedTryMs: number;
  readonly guardedTryMs: number;
  readonly guardedReleaseMs: number;
  readonly verifyMs: number;
  readonly probeMs: number;
}

const HOLDER_BASE = 8_800_000_000;
const MEASURED_KEY = 9_900_000_001;
const MEASURED_ID = 'bench-guard-cost';

/** Runs the sizes in order on `url` (the server needs room for the largest: `max_locks_per_transaction`). */
export async function runGuardCost(url: string, sizes: readonly number[], samples: number, log: (line: string) => void): Promise<GuardCostPoint[]> {
  const holder = new pg.Client({ connectionString: url, application_name: 'bench-guard-holder' });
  const client = new pg.Client({ connectionString: url, application_name: 'bench-guard-plain' });
  const lock = new PostgresAppLock(url, { applicationName: 'bench-guard-measure', verifyIntervalMs: 0 });
  await holder.connect();
  await client.connect();
  try {
    const points: GuardCostPoint[] = [];
    let held = 0;
    for (const size of sizes) {
      // the holder's locks count once each: pg_advisory_lock is re-entrant, so take only the new ones
      if (size > held)
        await holder.query('select count(pg_advisory_lock(k)) from generate_series($1::bigint, $2::bigint) k', [HOLDER_BASE + held, HOLDER_BASE + size - 1]);
      held = size;
      const time = async (call: () => Promise<unknown>): Promise<number> => {
        const started = performance.now();
        await call();
        return performance.now() - started;
      };
      const sample = { unguarded: [] as number[], tryMs: [] as number[], release: [] as number[], verify: [] as number[], probe: [] as number[] };
      for (let i = 0; i < samples; i += 1) {
        sample.unguarded.push(await time(() => client.query('select pg_try_advisory_lock($1::bigint) as ok', [MEASURED_KEY])));
        await client.query('select pg_advisory_unlock($1::bigint)', [MEASURED_KEY]);
        sample.tryMs.push(await time(() => lock.tryAttainLock(MEASURED_ID)));
        sample.verify.push(await time(() => lock.verifyLocks()));
        sample.probe.push(await time(() => lock.probeLocks([`${MEASURED_ID}-other`])));
        sample.release.push(await time(() => lock.releaseLock(MEASURED_ID)));
      }
      const median = (values: number[]): number => summarize(values).median;
      const point: GuardCostPoint = {
        locksHeld: size,
        unguardedTryMs: median(sample.unguarded),
        guardedTryMs: median(sample.tryMs),
        guardedReleaseMs: median(sample.release),
        verifyMs: median(sample.verify),
        probeMs: median(sample.probe),
      };
      log(`  guard cost at ${size} locks held: ${JSON.stringify(point)}`);
      points.push(point);
    }
    return points;
  } finally {
    await lock.dispose().catch(() => undefined);
    await client.end().catch(() => undefined);
    await holder.end().catch(() => undefined);
  }
}
