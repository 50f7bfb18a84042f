import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { createPgAdmin, startFakePostgresAuthServer, startTcpProxy, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { PostgresAppLock, postgresLockKey } from '../src';

const PASSWORD = 'S3cret-pw-do-not-print';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function connectError(lock: PostgresAppLock): Promise<AppLockError> {
  const error = await lock.tryAttainLock(1).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(AppLockError.is(error), `expected an AppLockError, got ${String(error)}`).toBe(true);
  return error as AppLockError;
}

function expectNoSecret(error: AppLockError): void {
  expect(error.message).not.toContain(PASSWORD);
  expect(String(error)).not.toContain(PASSWORD);
  expect(String((error.cause as Error | undefined)?.message ?? '')).not.toContain(PASSWORD);
}

await describePostgres('PostgresAppLock against real failures', (url) => {
  let admin: PgAdmin;
  const locks: PostgresAppLock[] = [];
  const app = (): string => `polecat-pgfail-${randomUUID().slice(0, 8)}`;
  const track = (lock: PostgresAppLock): PostgresAppLock => {
    locks.push(lock);
    return lock;
  };
  const target = new URL(url);
  const withPassword = (u: URL, password: string): string => {
    const copy = new URL(u);
    copy.password = password;
    return copy.toString();
  };

  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.dispose()));
  });
  afterAll(() => admin.close());

  it('rejects an unreachable server (closed port) with CONNECTION_FAILED and no password', async () => {
    const port = await closedPort();
    const lock = track(new PostgresAppLock(`postgres://postgres:${PASSWORD}@127.0.0.1:${port}/test`, { applicationName: app() }));
    const error = await connectError(lock);
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('***');
    expectNoSecret(error);
    expect(lock.stats()).toMatchObject({ connects: 1, roundTrips: 0, held: 0 });
  });

  it('rejects a missing database with CONNECTION_FAILED, no password and no leaked session', async () => {
    const name = app();
    const missing = new URL(withPassword(target, PASSWORD));
    missing.pathname = `/polecat_missing_${randomUUID().slice(0, 8)}`;
    const lock = track(new PostgresAppLock(missing.toString(), { applicationName: name }));
    const error = await connectError(lock);
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.message).toMatch(/does not exist/);
    expectNoSecret(error);
    expect(await admin.waitForConnections(name, 0)).toBe(0);
  });

  it('rejects a wrong password (fake server, the local one trusts everyone) without printing it', async () => {
    const fake = await startFakePostgresAuthServer();
    try {
      for (const connection of [
        `postgres://polecat:${PASSWORD}@127.0.0.1:${fake.port}/test`,
        { host: '127.0.0.1', port: fake.port, user: 'polecat', password: PASSWORD, database: 'test' },
        `host=127.0.0.1 port=${fake.port} user=polecat password=${PASSWORD} dbname=test`, // libpq keyword/value
        `host=127.0.0.1 port=${fake.port} user=polecat password='${PASSWORD}' dbname=test`,
      ]) {
        const lines: string[] = [];
        const log = (level: string) => (message: string, context?: object) => lines.push(`${level} ${message} ${JSON.stringify(context ?? {})}`);
        const logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
        const lock = track(new PostgresAppLock(connection, { logger }));
        const error = await connectError(lock);
        expect(error.code).toBe('CONNECTION_FAILED');
        expect(error.message).toMatch(/password authentication failed.*28P01/);
        expectNoSecret(error);
        expect(error.stack ?? '').not.toContain(PASSWORD);
        expect(lock.target).not.toContain(PASSWORD);
        expect(lines.join('\n')).not.toContain(PASSWORD);
      }
      expect(fake.passwordsReceived).toEqual([PASSWORD, PASSWORD, PASSWORD, PASSWORD]); // the client really sent it
      await expect.poll(() => fake.connections()).toBe(0);
    } finally {
      await fake.close();
    }
  });

  it('gives up a connect that hangs after connectTimeoutMs, and on abort, leaking nothing', async () => {
    const proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
    try {
      proxy.stall();
      const timedOut = track(new PostgresAppLock(proxy.rewriteUrl(url), { connectTimeoutMs: 300 }));
      const error = await connectError(timedOut);
      expect(error.code).toBe('CONNECTION_FAILED');
      const aborted = track(new PostgresAppLock(proxy.rewriteUrl(url)));
      const controller = new AbortController();
      const reason = new Error('shutting down');
      const pending = aborted.tryAttainLock(7, { signal: controller.signal });
      setTimeout(() => controller.abort(reason), 100);
      await expect(pending).rejects.toBe(reason);
      expect(proxy.accepted()).toBe(2);
      proxy.resume(); // a client that kept its socket would now complete its start-up and stay connected
      await expect.poll(() => proxy.connections()).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('accepts a config object and shows a redacted target', async () => {
    const lock = track(
      new PostgresAppLock(
        {
          host: target.hostname,
          port: Number(target.port || 5432),
          user: decodeURIComponent(target.username),
          password: PASSWORD,
          database: target.pathname.slice(1),
        },
        { applicationName: app() },
      ),
    );
    expect(lock.target).toBe(`postgres://${target.username}@${target.hostname}:${target.port || 5432}/${target.pathname.slice(1)}`);
    expect(await lock.tryAttainLock(randomUUID())).toBe(true);
  });

  it('treats injection strings, quotes, brackets and unicode as plain names', async () => {
    const canary = `polecat_canary_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    await admin.query(`create table ${canary} (id int)`);
    try {
      const names = [
        `'; drop table ${canary}; --`,
        `"); drop table ${canary}; --`,
        `$1::bigint[]`,
        "O'Brien [dbo].[x] \\ % _",
        'ünïcødé 漢字 🚀 \u0000 end',
        `${randomUUID()}'`,
      ];
      const [a, b] = [track(new PostgresAppLock(url, { applicationName: app() })), track(new PostgresAppLock(url, { applicationName: app() }))];
      expect((await a.tryAttainLocks(names)).size).toBe(names.length);
      for (const name of names) expect(await b.tryAttainLock(name)).toBe(false);
      expect(await a.verifyLocks()).toEqual([]);
      await a.releaseAll();
      expect((await b.tryAttainLocks(names)).size).toBe(names.length);
      const exists = await admin.query<{ present: boolean }>('select to_regclass($1) is not null as present', [canary]);
      expect(exists.rows[0]!.present).toBe(true);
    } finally {
      await admin.query(`drop table if exists ${canary}`);
    }
  });

  it('uses the same keys as pg_try_advisory_lock(int) (Marten) and as postgresLockKey for names', async () => {
    const lock = track(new PostgresAppLock(url, { applicationName: app() }));
    const id = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
    const name = `polecat-compat-${randomUUID()}`;
    const other = await createPgAdmin(url);
    try {
      expect((await other.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int) as ok', [id])).rows[0]!.ok).toBe(true);
      expect(await lock.tryAttainLock(id)).toBe(false);
      await other.query('select pg_advisory_unlock($1::int)', [id]);
      expect(await lock.tryAttainLock(id)).toBe(true);
      expect(await lock.tryAttainLock(name)).toBe(true);
      expect((await other.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int) as ok', [id])).rows[0]!.ok).toBe(false);
      expect((await other.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [postgresLockKey(name)])).rows[0]!.ok).toBe(false);
      expect((await other.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [0, id])).rows[0]!.ok).toBe(true); // two-int form: a different lock
    } finally {
      await other.close();
    }
  });

  it('uses one dedicated connection per owner, whatever the number of locks', async () => {
    const name = app();
    const lock = track(new PostgresAppLock(url, { applicationName: name }));
    expect(await admin.countConnections(name)).toBe(0); // lazy
    await lock.tryAttainLocks(Array.from({ length: 20 }, () => randomUUID()));
    await lock.verifyLocks();
    expect(await admin.countConnections(name)).toBe(1);
    await lock.dispose();
    expect(await admin.waitForConnections(name, 0)).toBe(0);
  });

  it('drops a stalled connection after requestTimeoutMs (verification-timeout); the server frees the lock once the socket closes', async () => {
    const proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
    try {
      const a = track(new PostgresAppLock(proxy.rewriteUrl(url), { applicationName: app(), verifyIntervalMs: 100, requestTimeoutMs: 400 }));
      const b = track(new PostgresAppLock(url, { applicationName: app() }));
      const id = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
      expect(await a.tryAttainLock(id)).toBe(true);
      const since = performance.now();
      const lost = new Promise<string>((resolve) => a.onLockLost((event) => resolve(event.error.reason)));
      proxy.stall();
      expect(await lost).toBe('verification-timeout');
      console.log(
        `[postgres] stalled connection -> loss (verification-timeout) after ${(performance.now() - since).toFixed(0)} ms (verify every 100 ms, timeout 400 ms)`,
      );
      expect(a.hasLock(id)).toBe(false);
      expect(await b.tryAttainLock(id)).toBe(false); // still held by the stalled server session
      proxy.resume(); // the client's close now reaches the server
      await expect.poll(() => b.tryAttainLock(id), { timeout: 10_000, interval: 50 }).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('a session given up on a timeout stays open (the server keeps its locks) until the waitUntil work settled, then closes', async () => {
    // Issue 9: a stall shorter than the server's keepalive budget must not hand the lock to another
    // owner while the work it guarded (an aborted agent finishing its batch) still runs.
    const proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
    try {
      const name = app();
      const a = track(new PostgresAppLock(proxy.rewriteUrl(url), { applicationName: name, verifyIntervalMs: 100, requestTimeoutMs: 400 }));
      const b = track(new PostgresAppLock(url, { applicationName: app() }));
      const id = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
      expect(await a.tryAttainLock(id)).toBe(true);
      let finishWork!: () => void;
      const work = new Promise<void>((resolve) => (finishWork = resolve));
      const lost = new Promise<string>((resolve) =>
        a.onLockLost((event) => {
          event.waitUntil?.(work);
          resolve(event.error.reason);
        }),
      );
      proxy.stall();
      expect(await lost).toBe('verification-timeout');
      expect(a.hasLock(id)).toBe(false);
      proxy.resume(); // the network is back while the work still runs
      // the old session is still open: the server keeps granting the lock to it, to nobody else
      for (let i = 0; i < 10; i++) {
        expect(await b.tryAttainLock(id)).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await admin.countConnections(name)).toBe(1);
      finishWork(); // the work returned: the old session closes and the server frees the lock
      await expect.poll(() => b.tryAttainLock(id), { timeout: 10_000, interval: 50 }).toBe(true);
      expect(await admin.waitForConnections(name, 0)).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('works for a role without superuser or any grant beyond login (least privilege)', async () => {
    const role = 'polecat_lock_least_privilege';
    await admin.query(
      `do $$ begin if not exists (select from pg_roles where rolname = '${role}') then create role ${role} login nosuperuser nocreatedb nocreaterole; end if; end $$`,
    );
    const asRole = new URL(url);
    asRole.username = role;
    asRole.password = '';
    const [a, b] = [track(new PostgresAppLock(asRole.toString(), { applicationName: app() })), track(new PostgresAppLock(url, { applicationName: app() }))];
    const ids = [randomUUID(), 1_000_000 + Math.floor(Math.random() * 1_000_000_000)];
    expect((await a.tryAttainLocks(ids)).size).toBe(2);
    expect(await a.verifyLocks()).toEqual([]);
    expect((await b.tryAttainLocks(ids)).size).toBe(0);
    await a.releaseAll();
    expect((await b.tryAttainLocks(ids)).size).toBe(2);
  });
});
