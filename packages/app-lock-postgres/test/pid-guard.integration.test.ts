import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { describePostgres } from '@polecat/test-utils/vitest';
import { PostgresSession } from '../src/internal/postgres-session';
import { RELEASE_SQL, TRY_ACQUIRE_SQL } from '../src/internal/lock-sql';

const KEY_BASE = 7_100_000_000 + Math.floor(Math.random() * 1_000_000);

await describePostgres('PostgresSession pid guard: a statement on another server session takes, keeps and releases nothing', (url) => {
  const clients: pg.Client[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
  });
  const connect = async (): Promise<{ client: pg.Client; pid: number }> => {
    const client = new pg.Client({ connectionString: url, application_name: 'polecat-pid-guard' });
    clients.push(client);
    await client.connect();
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    return { client, pid };
  };
  const advisoryLocksOf = async (observer: pg.Client, pid: number): Promise<number> =>
    (await observer.query<{ n: number }>("select count(*)::int as n from pg_locks where locktype = 'advisory' and pid = $1", [pid])).rows[0]!.n;
  const unsafe = (error: unknown, reason: RegExp): void => {
    expect(AppLockError.hasCode(error, 'UNSAFE_CONNECTION'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(reason);
  };

  it('an acquire routed to another backend than the proven one takes nothing and refuses the session', async () => {
    const { client, pid } = await connect();
    const observer = await connect();
    const session = new PostgresSession(client, pid + 100_000, 'postgres://test');
    let closedWith: unknown;
    session.onClosed((cause) => (closedWith = cause));
    unsafe(await session.tryAcquire([String(KEY_BASE + 1), String(KEY_BASE + 2)]).catch((e: unknown) => e), /another server session/);
    expect(await advisoryLocksOf(observer.client, pid)).toBe(0);
    unsafe(closedWith, /another server session/);
  });

  it('a wait routed to another backend waits for nothing and takes nothing', async () => {
    const { client, pid } = await connect();
    const observer = await connect();
    const session = new PostgresSession(client, pid + 100_000, 'postgres://test');
    session.onClosed(() => undefined);
    unsafe(await session.waitAcquire(String(KEY_BASE + 3), 200).catch((e: unknown) => e), /another server session/);
    expect(await advisoryLocksOf(observer.client, pid)).toBe(0);
  });

  it('a release routed to another backend releases nothing there (another owner keeps its lock)', async () => {
    const victim = await connect();
    await victim.client.query('select pg_advisory_lock($1::bigint)', [String(KEY_BASE + 4)]);
    // the guarded release of a session that proved another backend reaches the victim's backend
    const row = (
      await victim.client.query<{ pid: number; ok: boolean; released: string }>(RELEASE_SQL, [`{${KEY_BASE + 4}}`, victim.pid + 100_000, 1, null, ''])
    ).rows[0]!;
    expect(row).toMatchObject({ pid: victim.pid, ok: false });
    expect(Number(row.released)).toBe(0);
    const observer = await connect();
    expect(await advisoryLocksOf(observer.client, victim.pid)).toBe(1);
    // and the session refuses itself when its statement reports another backend
    const session = new PostgresSession(victim.client, victim.pid + 100_000, 'postgres://test');
    session.onClosed(() => undefined);
    unsafe(await session.release([String(KEY_BASE + 4)]).catch((e: unknown) => e), /another server session/);
  });

  it('a backend that already holds a lock this client did not take is refused (shared session), nothing more is taken', async () => {
    const { client, pid } = await connect();
    const observer = await connect();
    // another client of the same server session took a lock there
    await client.query('select pg_advisory_lock($1::bigint)', [String(KEY_BASE + 5)]);
    const row = (await client.query<{ ok: boolean; held: number; n: string[] }>(TRY_ACQUIRE_SQL, [`{${KEY_BASE + 5},${KEY_BASE + 6}}`, pid, 0])).rows[0]!;
    expect(row).toMatchObject({ ok: false, held: 1, n: [] });
    expect(await advisoryLocksOf(observer.client, pid)).toBe(1);
    const session = new PostgresSession(client, pid, 'postgres://test');
    session.onClosed(() => undefined);
    unsafe(await session.tryAcquire([String(KEY_BASE + 5), String(KEY_BASE + 6)]).catch((e: unknown) => e), /shared with another client/);
  });

  it('verification notices locks this client did not take on its backend', async () => {
    const { client, pid } = await connect();
    const session = new PostgresSession(client, pid, 'postgres://test');
    session.onClosed(() => undefined);
    expect(await session.tryAcquire([String(KEY_BASE + 7)])).toEqual([true]);
    await client.query('select pg_advisory_lock($1::bigint)', [String(KEY_BASE + 8)]);
    unsafe(await session.verify([String(KEY_BASE + 7)]).catch((e: unknown) => e), /shared with another client/);
  });

  it('on its proven backend the session takes, verifies and releases as before', async () => {
    const { client, pid } = await connect();
    const observer = await connect();
    const session = new PostgresSession(client, pid, 'postgres://test');
    session.onClosed(() => undefined);
    expect(await session.tryAcquire([String(KEY_BASE + 9), String(KEY_BASE + 10)])).toEqual([true, true]);
    expect(await session.waitAcquire(String(KEY_BASE + 11), 100)).toBe(true);
    expect(await session.verify([String(KEY_BASE + 9), String(KEY_BASE + 10), String(KEY_BASE + 11)])).toEqual([true, true, true]);
    await session.release([String(KEY_BASE + 9), String(KEY_BASE + 10), String(KEY_BASE + 11)]);
    expect(await advisoryLocksOf(observer.client, pid)).toBe(0);
  });
});
