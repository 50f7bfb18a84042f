import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { checkPostgres, findPgBouncer, postgresTestUrl, startPgBouncer, type PgBouncer } from '@polecat/test-utils';
import { PostgresAppLock } from '../src';

// Ports of this suite, inside the range reserved for it (15400-15499).
const TRANSACTION_PORT = 15_431;
const SESSION_PORT = 15_432;

const inCi = (): boolean => {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
};

const postgres = await checkPostgres();
const binary = postgres.reachable ? findPgBouncer() : undefined;
const why = !postgres.reachable
  ? `PostgreSQL unreachable (${postgres.cause})`
  : binary === undefined
    ? 'pgbouncer is not installed (apt-get install pgbouncer)'
    : undefined;

if (why !== undefined && !inCi()) console.log(`[skip] PostgresAppLock through PgBouncer: ${why} (CI=true makes this a failure).`);

// Issue 9: a pooler in transaction or statement mode silently breaks session locks. The lock must
// refuse such a connection with a typed error, and work through session pooling (which also
// needs the keepalive settings sent with SET: PgBouncer rejects the `options` start-up parameter).
(why !== undefined && !inCi() ? describe.skip : describe)('PostgresAppLock through a real PgBouncer', () => {
  if (why !== undefined) {
    it('needs PostgreSQL and pgbouncer in CI', () => {
      throw new Error(`required in CI: ${why}`);
    });
    return;
  }
  const url = postgresTestUrl();
  let transactionPool: PgBouncer;
  let sessionPool: PgBouncer;
  const app = (): string => `polecat-bouncer-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    transactionPool = await startPgBouncer({ url, mode: 'transaction', port: TRANSACTION_PORT });
    sessionPool = await startPgBouncer({ url, mode: 'session', port: SESSION_PORT });
  }, 60_000);
  afterAll(async () => {
    await transactionPool?.stop();
    await sessionPool?.stop();
  });

  it('refuses a transaction-mode pool with UNSAFE_CONNECTION, saying why', async () => {
    await using lock = new PostgresAppLock(transactionPool.url, { applicationName: app(), connectTimeoutMs: 5000 });
    const error = await lock.tryAttainLock(9001).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(AppLockError.hasCode(error, 'UNSAFE_CONNECTION'), `${String(error)}\n${transactionPool.log()}`).toBe(true);
    expect((error as AppLockError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/transaction or statement mode/);
    expect(lock.heldLocks()).toEqual([]);
  });

  it('works through a session-mode pool: exclusive, verified, released', async () => {
    const first = new PostgresAppLock(sessionPool.url, { applicationName: app(), connectTimeoutMs: 5000 });
    const second = new PostgresAppLock(sessionPool.url, { applicationName: app(), connectTimeoutMs: 5000 });
    try {
      expect(await first.tryAttainLock(9002), sessionPool.log()).toBe(true);
      expect(await second.tryAttainLock(9002)).toBe(false);
      expect(await first.verifyLocks()).toEqual([]);
      await first.releaseLock(9002);
      expect(await second.tryAttainLock(9002)).toBe(true);
    } finally {
      await first.dispose();
      await second.dispose();
    }
  });
});
