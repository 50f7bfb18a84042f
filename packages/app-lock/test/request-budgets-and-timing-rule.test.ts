import { describe, expect, it } from 'vitest';
import { AppLockError } from '../src/errors';
import type { LockSession, LockSessionDriver } from '../src/session/lock-session';
import { SessionAppLock } from '../src/session/session-app-lock';
import { SqlServerAppLock } from '../src/sql-server/sql-server-app-lock';
import { sqlServerAcquireBudgetMs, sqlServerLockTimeoutFor } from '../src/sql-server/sql-server-lock-wait';
import { checkLockTiming } from '../src/timing-rule';

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** A session whose acquire may be held by the test; closing it calls the close listener. */
function controllableDriver(options: { connect?: (signal?: AbortSignal) => Promise<void>; acquireWaitMs?: (n: number) => number } = {}) {
  let closed: ((cause: unknown) => void) | undefined;
  let acquire: (keys: readonly string[]) => Promise<readonly boolean[]> = async (keys) => keys.map(() => true);
  const driver: LockSessionDriver<string> = {
    backend: 'scripted',
    target: 'scripted://test',
    toKey: (id) => String(id),
    connect: async (signal) => {
      await options.connect?.(signal);
      const session: LockSession<string> = {
        tryAcquire: (keys) => acquire(keys),
        verify: async (keys) => keys.map(() => true),
        release: async () => undefined,
        onClosed: (listener) => {
          closed = listener;
        },
        close: async () => undefined,
        destroy: () => undefined,
      };
      return session;
    },
    ...(options.acquireWaitMs === undefined ? {} : { acquireWaitMs: options.acquireWaitMs }),
  };
  return {
    driver,
    setAcquire: (fn: typeof acquire) => (acquire = fn),
    kill: (cause: unknown) => closed?.(cause),
  };
}

describe('SessionAppLock: a connection dying mid-request, a connect that never completes, the acquire budget', () => {
  it('never returns ids that were held before the call when the connection dies mid-request', async () => {
    const scripted = controllableDriver();
    const lock = new SessionAppLock(scripted.driver, { verifyIntervalMs: 0 });
    expect(await lock.tryAttainLock(1)).toBe(true);
    scripted.setAcquire(async () => {
      scripted.kill(new Error('socket reset'));
      throw new Error('Connection terminated');
    });
    const outcome = await lock.tryAttainLocks([1, 2]).then(
      (held) => ({ held: [...held] }),
      (error: unknown) => ({ error }),
    );
    // Either it rejects, or it returns only ids still held: never the lost id 1.
    if ('held' in outcome) expect(outcome.held).toEqual([]);
    else expect(AppLockError.is(outcome.error)).toBe(true);
    expect(lock.hasLock(1)).toBe(false);
    await lock.dispose();
  });

  it('returns no previously held id when the connection dies while the acquire succeeds', async () => {
    const scripted = controllableDriver();
    const lock = new SessionAppLock(scripted.driver, { verifyIntervalMs: 0 });
    expect(await lock.tryAttainLock(1)).toBe(true);
    scripted.setAcquire(async (keys) => {
      scripted.kill(new Error('socket reset')); // the close event arrives before the answer is used
      return keys.map(() => true);
    });
    const held = await lock.tryAttainLocks([1, 2]);
    expect([...held]).toEqual([]);
    expect(lock.heldLocks()).toEqual([]);
    await lock.dispose();
  });

  it('dispose() aborts a connect that never completes, and the attempt rejects with DISPOSED', async () => {
    let sawAbort = false;
    const scripted = controllableDriver({
      connect: (signal) =>
        new Promise<void>((_, reject) => {
          signal?.addEventListener('abort', () => {
            sawAbort = true;
            reject(signal.reason as Error);
          });
        }),
    });
    const lock = new SessionAppLock(scripted.driver, { verifyIntervalMs: 0 });
    const attempt = lock.tryAttainLock(1);
    attempt.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await lock.dispose(); // would wait for ever on a connect that ignores dispose
    expect(sawAbort).toBe(true);
    await expect(attempt).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it("adds the driver's deliberate wait to the acquire request's budget only", async () => {
    const scripted = controllableDriver({ acquireWaitMs: (n) => (n === 1 ? 1000 : 0) });
    const lock = new SessionAppLock(scripted.driver, { verifyIntervalMs: 0, requestTimeoutMs: 200 });
    scripted.setAcquire(async (keys) => {
      await new Promise((resolve) => setTimeout(resolve, 400)); // a wait longer than requestTimeoutMs
      return keys.map(() => true);
    });
    expect(await lock.tryAttainLock(1)).toBe(true); // 400 ms < 200 + 1000 ms: not a stalled connection
    // a batch gets no extra budget: 400 ms > 200 ms is a stall, the connection is dropped
    await expect(lock.tryAttainLocks([2, 3])).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(lock.hasLock(1)).toBe(false);
    scripted.setAcquire(() => never());
    await lock.dispose();
  });
});

describe('SQL Server lock waits are budgeted', () => {
  it('only a single-name request waits; a batch asks every name with @LockTimeout = 0', () => {
    expect(sqlServerLockTimeoutFor(1, 5000)).toBe(5000);
    expect(sqlServerLockTimeoutFor(2, 5000)).toBe(0);
    expect(sqlServerLockTimeoutFor(1000, 5000)).toBe(0);
    expect(sqlServerLockTimeoutFor(1, 0)).toBe(0);
  });

  it('the request budget covers the wait it allows, and nothing else', () => {
    expect(sqlServerAcquireBudgetMs(1, 5000, 5000)).toBe(10_000);
    expect(sqlServerAcquireBudgetMs(50, 5000, 5000)).toBe(5000);
    for (const n of [1, 2, 10, 1000]) {
      // the worst-case server time of the batch (n names x their @LockTimeout) fits the budget
      expect(n * sqlServerLockTimeoutFor(n, 3000)).toBeLessThan(sqlServerAcquireBudgetMs(n, 3000, 1000));
    }
  });
});

describe('the safety timing rule', () => {
  it('passes when the owner gives up before the server frees its locks', () => {
    expect(
      checkLockTiming({ backend: 'postgres', verifyIntervalMs: 2000, requestTimeoutMs: 5000, serverReleaseMs: 25_000, serverReleaseSource: 'x' }),
    ).toMatchObject({
      kind: 'ok',
      giveUpMs: 7000,
    });
    expect(
      checkLockTiming({ backend: 'postgres', verifyIntervalMs: 60_000, requestTimeoutMs: 5000, serverReleaseMs: undefined, serverReleaseSource: 'x' }).kind,
    ).toBe('ok');
  });

  it('names the numbers when it is violated (equal counts as violated)', () => {
    const verdict = checkLockTiming({
      backend: 'postgres',
      verifyIntervalMs: 20_000,
      requestTimeoutMs: 5000,
      serverReleaseMs: 25_000,
      serverReleaseSource: 'keepalive',
    });
    expect(verdict.kind).toBe('violated');
    if (verdict.kind !== 'violated') return;
    expect(verdict.message).toContain('20000 + 5000 = 25000 ms');
    expect(verdict.message).toContain('about 25000 ms');
  });

  it('flags disabled verification as unbounded (a warning, not an error)', () => {
    expect(checkLockTiming({ backend: 'postgres', verifyIntervalMs: 0, requestTimeoutMs: 5000, serverReleaseMs: 25_000, serverReleaseSource: 'x' }).kind).toBe(
      'unbounded',
    );
  });

  it('SqlServerAppLock refuses settings that outlast the server keepalive, lock wait included', () => {
    const connection = 'Server=127.0.0.1,1;Database=none;User Id=u;Password=p';
    expect(() => new SqlServerAppLock(connection)).not.toThrow();
    let caught: unknown;
    try {
      new SqlServerAppLock(connection, { verifyIntervalMs: 2000, requestTimeoutMs: 5000, lockTimeoutMs: 25_000 });
    } catch (error) {
      caught = error;
    }
    expect(AppLockError.hasCode(caught, 'INVALID_CONFIGURATION')).toBe(true);
    expect((caught as Error).message).toContain('2000 + 30000 = 32000 ms');
    expect(
      () => new SqlServerAppLock(connection, { verifyIntervalMs: 2000, requestTimeoutMs: 5000, lockTimeoutMs: 25_000, serverKeepAliveMs: 60_000 }),
    ).not.toThrow();
    expect(() => new SqlServerAppLock(connection, { verifyIntervalMs: 40_000, serverKeepAliveMs: false })).not.toThrow();
  });
});
