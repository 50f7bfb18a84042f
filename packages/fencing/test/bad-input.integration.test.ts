import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { ProjectionCoordinator, createFunctionDaemonFactory } from '@polecat/coordinator';
import { MultiTenantedProjectionDistributor, SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { createPgAdmin, recordingLogger, startTcpProxy, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';

const waitUntil = async (condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

await describePostgres('bad input and hostile conditions', (url) => {
  const run = randomUUID().slice(0, 8);
  const prefix = `polecat-bad-${run}`;
  let admin: PgAdmin;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    // never leaks a connection: count them on the server after each test
    await waitUntil(async () => (await admin.countConnectionsWithPrefix(prefix)) === 0, 5_000).catch(() => {});
    expect(await admin.countConnectionsWithPrefix(prefix)).toBe(0);
  });
  afterAll(() => admin.close());

  it('bad-input: invalid connection strings are typed errors (INVALID_CONFIGURATION, or CONNECTION_FAILED on first use)', async () => {
    for (const bad of ['', '   ', null, 42]) {
      expect(() => new PostgresAppLock(bad as unknown as string)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    }
    const lock = new PostgresAppLock('postgres://nobody@127.0.0.1:1/none', { applicationName: `${prefix}-x`, connectTimeoutMs: 2000 });
    cleanups.push(() => lock.dispose());
    await expect(lock.tryAttainLock(1)).rejects.toSatisfy((e) => AppLockError.hasCode(e, 'CONNECTION_FAILED'));
  });

  it('bad-input: lock names with quotes, brackets, unicode, 0 length and > 255 characters; numeric ids negative, huge, fractional', async () => {
    const a = new PostgresAppLock(url, { applicationName: `${prefix}-a` });
    const b = new PostgresAppLock(url, { applicationName: `${prefix}-b` });
    cleanups.push(
      () => a.dispose(),
      () => b.dispose(),
    );
    const long = `${run}${'x'.repeat(300)}`;
    const names = [`${run}'q"`, `${run}[b]]`, `${run}é🔒\u200b`, long, `${long}y`, `${run}'; DROP TABLE x; --`];
    expect([...(await a.tryAttainLocks(names))].sort()).toEqual([...names].sort());
    for (const name of names) expect(await b.tryAttainLock(name)).toBe(false); // each a real, distinct lock
    const negative = -1_000_000 - Math.floor(Math.random() * 1_000_000_000);
    expect(await a.tryAttainLock(negative)).toBe(true);
    expect(await b.tryAttainLock(negative)).toBe(false);
    for (const bad of ['', 2 ** 31, -(2 ** 31) - 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 5n]) {
      await expect(a.tryAttainLock(bad as unknown as number)).rejects.toSatisfy((e) => AppLockError.hasCode(e, 'INVALID_LOCK_ID'));
    }
  });

  it('bad-input: duplicate shard names are refused with DUPLICATE_SHARD; the coordinator logs and keeps running', async () => {
    const logger = recordingLogger();
    const daemonLockId = 100_000 + Math.floor(Math.random() * 1_000_000_000);
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: 'main', schema: 'public' }],
        shards: () => [shardName('Dup'), shardName('Dup')],
        daemonLockId,
        createLock: () => new PostgresAppLock(url, { applicationName: `${prefix}-dup` }),
      }),
      daemonFor: createFunctionDaemonFactory(() => async () => {}),
      settings: { leadershipPollingTimeMs: 50, daemonLockId },
      logger,
    });
    cleanups.push(() => coordinator.stop());
    await coordinator.start();
    await waitUntil(() => coordinator.status().cycles >= 3);
    expect(coordinator.state).toBe('running');
    expect(logger.text()).toMatch(/configured twice/);
  });

  it('bad-input: a tenant database dropped mid-run (DROP DATABASE WITH (FORCE)): logged, the other database keeps its agents', async () => {
    const tenantDb = `polecat_bad_${run}`;
    await admin.query(`CREATE DATABASE ${tenantDb}`);
    cleanups.push(() => admin.query(`DROP DATABASE IF EXISTS ${tenantDb} WITH (FORCE)`));
    const tenantUrl = new URL(url);
    tenantUrl.pathname = `/${tenantDb}`;
    const urls: Record<string, string> = { main: url, tenant: tenantUrl.toString() };
    const logger = recordingLogger();
    const running = new Set<string>();
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new MultiTenantedProjectionDistributor({
        databases: [
          { id: 'main', schema: 'public' },
          { id: 'tenant', schema: 'public' },
        ],
        shards: [shardName('Ten')],
        storeName: `bad${run}`,
        createLock: (database) => new PostgresAppLock(urls[database.id]!, { applicationName: `${prefix}-${database.id}`, connectTimeoutMs: 2000 }),
      }),
      daemonFor: createFunctionDaemonFactory(() => async ({ signal, database }) => {
        running.add(database.id);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        running.delete(database.id);
      }),
      settings: { leadershipPollingTimeMs: 100, startFailureBackoff: { initialMs: 100, maxMs: 500 } },
      logger,
    });
    cleanups.push(() => coordinator.stop());
    await coordinator.start();
    await waitUntil(() => running.has('main') && running.has('tenant'));
    await admin.query(`DROP DATABASE ${tenantDb} WITH (FORCE)`);
    await waitUntil(() => !running.has('tenant'));
    const cycles = coordinator.status().cycles;
    await waitUntil(() => coordinator.status().cycles >= cycles + 5);
    expect(running.has('main')).toBe(true);
    expect(coordinator.state).toBe('running');
    expect(logger.lines.some((line) => line.level === 'warn' || line.level === 'error')).toBe(true);
  });

  it('bad-input: a lock connection cut during acquire rejects with a typed error (or false), then recovers', async () => {
    const proxy = await startTcpProxy({ target: { host: new URL(url).hostname, port: Number(new URL(url).port || 5432) } });
    cleanups.push(() => proxy.close());
    const lock = new PostgresAppLock(proxy.rewriteUrl(url), { applicationName: `${prefix}-cut`, requestTimeoutMs: 2000 });
    cleanups.push(() => lock.dispose());
    const id = `cut-${run}`;
    expect(await lock.tryAttainLock(`warm-${run}`)).toBe(true); // connection open
    proxy.stall(); // the attempt reaches nobody...
    const attempt = lock.tryAttainLock(id).then(
      (granted) => ({ granted }),
      (error: unknown) => ({ error }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    proxy.cutAll(); // ...and the connection dies under it
    proxy.resume();
    const outcome = await attempt;
    if ('error' in outcome) expect(AppLockError.is(outcome.error)).toBe(true);
    else expect(outcome.granted).toBe(false);
    await waitUntil(async () => (await lock.tryAttainLock(id).catch(() => false)) === true);
  });

  it('bad-input: SIGTERM during start-up ends the host with exit 0, no unhandled rejection, no leaked session', async () => {
    const require = createRequire(import.meta.url);
    const child = spawn(
      process.execPath,
      [
        '--import',
        pathToFileURL(require.resolve('tsx')).href,
        fileURLToPath(new URL('./fixtures/startup-child.ts', import.meta.url)),
        url,
        `${prefix}-boot`,
        `bad_boot_${run}`,
        String(100_000 + Math.floor(Math.random() * 1e9)),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGTERM'); // as soon as it says "starting": the coordinator is mid start-up
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    await admin.query(`DROP TABLE IF EXISTS bad_boot_${run}`);
    expect(stderr).not.toContain('unhandled');
    expect(code).toBe(0);
  }, 30_000);
});
