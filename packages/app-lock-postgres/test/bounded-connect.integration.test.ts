import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { createPgAdmin, startBlackholeAfterStartupProxy, type BlackholeProxy, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { PostgresAppLock } from '../src';

/** Resolves with how long `work` took to settle, and how it settled. */
async function timed<T>(work: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = performance.now();
  try {
    const value = await work;
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

// Issue 9 item 4: a server that accepts the start-up and then drops every packet. Before the fix
// the LISTEN after connect() ran outside connectTimeoutMs and the signal: each of these hung for ever.
await describePostgres('PostgresAppLock against a server that goes silent after the start-up', (url) => {
  let proxy: BlackholeProxy;
  let admin: PgAdmin;
  const target = new URL(url);
  const app = (): string => `polecat-hole-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    proxy = await startBlackholeAfterStartupProxy({ host: target.hostname, port: Number(target.port || 5432) });
    admin = await createPgAdmin(url);
  });
  afterAll(async () => {
    await proxy.close();
    await admin.close();
  });

  it('tryAttainLock rejects within connectTimeoutMs (CONNECTION_FAILED, retryable), leaving no session behind', async () => {
    const applicationName = app();
    const lock = new PostgresAppLock(proxy.rewriteUrl(url), { applicationName, connectTimeoutMs: 1000 });
    const outcome = await timed(lock.tryAttainLock(1));
    expect(proxy.blackholed()).toBeGreaterThan(0); // the start-up did go through
    expect(AppLockError.hasCode(outcome.error, 'CONNECTION_FAILED'), String(outcome.error)).toBe(true);
    expect((outcome.error as AppLockError).retryable).toBe(true);
    expect((outcome.error as Error).message).toContain('connectTimeoutMs = 1000 ms');
    expect(outcome.ms).toBeLessThan(6000); // 1 s budget; generous for a loaded machine
    expect(await admin.waitForConnections(applicationName, 0)).toBe(0); // the socket was destroyed
    // and again: a later attempt is bounded the same way (the owner is not stuck)
    const again = await timed(lock.tryAttainLocks([1, 2]));
    expect(AppLockError.hasCode(again.error, 'CONNECTION_FAILED')).toBe(true);
    expect((await timed(lock.dispose())).ms).toBeLessThan(3000);
  });

  it('dispose() returns promptly while a connect is pending, and the attempt rejects with DISPOSED', async () => {
    const lock = new PostgresAppLock(proxy.rewriteUrl(url), { applicationName: app(), connectTimeoutMs: 120_000 });
    const attempt = timed(lock.tryAttainLock(1));
    await new Promise((resolve) => setTimeout(resolve, 500)); // start-up done, now black-holed
    const disposed = await timed(lock.dispose());
    expect(disposed.ms).toBeLessThan(3000);
    const outcome = await attempt;
    expect(AppLockError.hasCode(outcome.error, 'DISPOSED'), String(outcome.error)).toBe(true);
  });

  it("an aborted signal ends a pending connect at once with the signal's reason", async () => {
    await using lock = new PostgresAppLock(proxy.rewriteUrl(url), { applicationName: app(), connectTimeoutMs: 120_000 });
    const controller = new AbortController();
    const attempt = timed(lock.tryAttainLock(1, { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const reason = new Error('caller gave up');
    const abortedAt = performance.now();
    controller.abort(reason);
    const outcome = await attempt;
    expect(outcome.error).toBe(reason);
    expect(performance.now() - abortedAt).toBeLessThan(2000);
  });
});
