import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { describePostgres } from '@polecat/test-utils/vitest';
import { PostgresSession } from '../src/internal/postgres-session';
import { PROBE_SQL, RELEASE_SQL, TRY_ACQUIRE_SQL, VERIFY_MISSING_SQL, WAIT_ACQUIRE_SQL } from '../src/internal/lock-sql';

const KEY_BASE = 7_300_000_000 + Math.floor(Math.random() * 1_000_000);

/**
 * `pg_locks` copies every lock of the cluster, so each read of it costs server time linear in the
 * locks held server-wide (bench: 100 000 locks held, ~45 ms per read). Every lock statement reads
 * it at most once, the pid guard's count included.
 */
await describePostgres('PostgreSQL lock statements read pg_locks at most once, and the guard still refuses a shared backend', (url) => {
  const clients: pg.Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
  });
  const connect = async (): Promise<{ client: pg.Client; pid: number }> => {
    const client = new pg.Client({ connectionString: url, application_name: 'polecat-pg-locks-once' });
    clients.push(client);
    await client.connect();
    return { client, pid: (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid };
  };
  const lockTableReads = async (client: pg.Client, sql: string, params: unknown[]): Promise<number> => {
    const plan = (await client.query<{ 'QUERY PLAN': string }>(`explain (format text) ${sql}`, params)).rows.map((row) => row['QUERY PLAN']).join('\n');
    return plan.match(/Function Scan on pg_lock_status/g)?.length ?? 0;
  };

  it.each([
    ['try-acquire (guarded)', TRY_ACQUIRE_SQL, ['{1,2}', 1, 0]],
    ['wait-acquire (guarded)', WAIT_ACQUIRE_SQL, ['1', 1, 0, '10ms']],
    ['release (guarded)', RELEASE_SQL, ['{1,2}', 1, 0, null, null]],
    ['verify (held count and missing keys)', VERIFY_MISSING_SQL, ['{1,2}']],
    ['probe', PROBE_SQL, ['{1,2}']],
  ])('%s reads pg_locks once', async (_name, sql, params) => {
    const { client } = await connect();
    expect(await lockTableReads(client, sql, params)).toBe(1);
  });

  it('verify still counts every advisory lock of the backend: one taken by another client in the two-int4 form refuses the session', async () => {
    const { client, pid } = await connect();
    const session = new PostgresSession(client, pid, 'postgres://test');
    session.onClosed(() => undefined);
    expect(await session.tryAcquire([String(KEY_BASE + 1)])).toEqual([true]);
    expect(await session.verify([String(KEY_BASE + 1)])).toEqual([true]);
    await client.query('select pg_advisory_lock(7, 8)');
    const error = await session.verify([String(KEY_BASE + 1)]).catch((e: unknown) => e);
    expect(AppLockError.hasCode(error, 'UNSAFE_CONNECTION'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/shared with another client/);
  });

  it('verify reports a missing key among held ones (one read serves the count and the keys)', async () => {
    const { client, pid } = await connect();
    const session = new PostgresSession(client, pid, 'postgres://test');
    session.onClosed(() => undefined);
    expect(await session.tryAcquire([String(KEY_BASE + 2), String(KEY_BASE + 3)])).toEqual([true, true]);
    expect(await session.verify([String(KEY_BASE + 2), String(KEY_BASE + 4), String(KEY_BASE + 3)])).toEqual([true, false, true]);
  });
});
