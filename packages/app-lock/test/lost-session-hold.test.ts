import { recordingLogger, SteppedClock } from '@polecat/test-utils';
import { describe, expect, it } from 'vitest';
import type { LockLostEvent } from '../src/app-lock';
import { AppLockError, type LockLostError } from '../src/errors';
import type { LockSession, LockSessionDriver } from '../src/session/lock-session';
import { LockHoldClosedError } from '../src/session/lock-hold-closed-error';
import { SessionAppLock } from '../src/session/session-app-lock';

/** Sessions whose acquire/verify can be stalled; records every destroy/close per session. */
function stallableDriver() {
  const sessions: { id: number; destroyed: number; closed: number; kill: (cause: unknown) => void }[] = [];
  let stall = false;
  const driver: LockSessionDriver<string> = {
    backend: 'scripted',
    target: 'scripted://test',
    toKey: (id) => String(id),
    connect: async () => {
      const record = { id: sessions.length + 1, destroyed: 0, closed: 0, kill: (_cause: unknown) => undefined as void };
      sessions.push(record);
      const answer = <T>(value: T): Promise<T> => (stall ? new Promise<T>(() => undefined) : Promise.resolve(value));
      const session: LockSession<string> = {
        tryAcquire: (keys) => answer(keys.map(() => true)),
        verify: (keys) => answer(keys.map(() => true)),
        release: () => answer(undefined),
        onClosed: (listener) => {
          record.kill = listener;
        },
        close: async () => {
          record.closed++;
        },
        destroy: () => {
          record.destroyed++;
        },
      };
      return session;
    },
  };
  return { driver, sessions, setStall: (value: boolean) => (stall = value) };
}

/** Holds locks 1 and 2, then lets a verification time out (the session is given up by THIS side). */
async function giveUpAfterTimeout(options: { lostSessionHoldMs?: number; onLost?: (event: LockLostEvent) => void } = {}) {
  const time = new SteppedClock();
  const scripted = stallableDriver();
  const logger = recordingLogger();
  const lines = logger.lines;
  const lock = new SessionAppLock(scripted.driver, {
    verifyIntervalMs: 0,
    requestTimeoutMs: 100,
    clock: time,
    logger,
    ...(options.lostSessionHoldMs === undefined ? {} : { lostSessionHoldMs: options.lostSessionHoldMs }),
  });
  expect([...(await lock.tryAttainLocks([1, 2]))]).toEqual([1, 2]);
  const signal = lock.lockSignal(1)!;
  const lost: LockLostError[] = [];
  lock.onLockLost((event) => {
    lost.push(event.error);
    options.onLost?.(event);
  });
  scripted.setStall(true);
  const verification = lock.verifyLocks().catch((error: unknown) => error);
  await time.flush();
  time.advance(100); // the request timeout
  await time.flush();
  await verification;
  return { time, scripted, lock, signal, lost, lines };
}

describe('SessionAppLock: a given-up session is held open until its lost locks’ work settled', () => {
  it('announces the loss at once but destroys the connection only when the waitUntil work settles', async () => {
    let finish!: () => void;
    const agents = new Promise<void>((resolve) => (finish = resolve));
    const { scripted, lock, signal, lost, time } = await giveUpAfterTimeout({ onLost: (event) => event.waitUntil?.(agents) });
    // lost here at once: signals aborted, hasLock false, listeners told
    expect(lost.map((error) => error.reason)).toEqual(['verification-timeout']);
    expect(signal.aborted).toBe(true);
    expect(lock.hasLock(1)).toBe(false);
    // ... but the old connection stays open (the server still grants its locks to it)
    expect(scripted.sessions[0]!.destroyed).toBe(0);
    // new work opens a new session meanwhile
    scripted.setStall(false);
    expect(await lock.tryAttainLock(3)).toBe(true);
    expect(scripted.sessions).toHaveLength(2);
    expect(scripted.sessions[0]!.destroyed).toBe(0);
    finish();
    await time.flush();
    expect(scripted.sessions[0]!.destroyed).toBe(1);
    expect(scripted.sessions[1]!.destroyed).toBe(0);
    expect(time.pending).toBe(0); // the hold-limit timer was cancelled
    await lock.dispose();
  });

  it('waits for every listener’s work, rejected work counting as settled', async () => {
    let finishA!: () => void;
    let failB!: (error: Error) => void;
    const a = new Promise<void>((resolve) => (finishA = resolve));
    const b = new Promise<void>((_, reject) => (failB = reject));
    const { scripted, lock, time } = await giveUpAfterTimeout({
      onLost: (event) => {
        event.waitUntil?.(a);
        event.waitUntil?.(b);
      },
    });
    failB(new Error('agent failed'));
    await time.flush();
    expect(scripted.sessions[0]!.destroyed).toBe(0);
    finishA();
    await time.flush();
    expect(scripted.sessions[0]!.destroyed).toBe(1);
    await lock.dispose();
  });

  it('destroys the connection at the hold limit when the work never settles, with a warning', async () => {
    const { scripted, lock, time, lines } = await giveUpAfterTimeout({
      lostSessionHoldMs: 1000,
      onLost: (event) => event.waitUntil?.(new Promise(() => undefined)),
    });
    time.advance(999);
    await time.flush();
    expect(scripted.sessions[0]!.destroyed).toBe(0);
    time.advance(1);
    await time.flush();
    expect(scripted.sessions[0]!.destroyed).toBe(1);
    expect(lines.some((line) => line.level === 'warn' && line.message.includes('hold limit'))).toBe(true);
    await lock.dispose();
  });

  it('destroys at once without waitUntil work, with lostSessionHoldMs 0, and ignores a late waitUntil', async () => {
    const none = await giveUpAfterTimeout();
    expect(none.scripted.sessions[0]!.destroyed).toBe(1);
    await none.lock.dispose();

    const off = await giveUpAfterTimeout({ lostSessionHoldMs: 0, onLost: (event) => event.waitUntil?.(new Promise(() => undefined)) });
    expect(off.scripted.sessions[0]!.destroyed).toBe(1);
    await off.lock.dispose();

    let late: ((work: PromiseLike<unknown>) => void) | undefined;
    const after = await giveUpAfterTimeout({ onLost: (event) => (late = event.waitUntil) });
    expect(after.scripted.sessions[0]!.destroyed).toBe(1);
    late?.(new Promise(() => undefined));
    expect(after.lines.some((line) => line.message.includes('after the event was dispatched'))).toBe(true);
    await after.lock.dispose();
  });

  it('dispose() waits for a held session (bounded by the hold limit)', async () => {
    let finish!: () => void;
    const agents = new Promise<void>((resolve) => (finish = resolve));
    const { scripted, lock, time } = await giveUpAfterTimeout({ onLost: (event) => event.waitUntil?.(agents) });
    let disposed = false;
    const disposing = lock.dispose().then(() => (disposed = true));
    await time.flush();
    expect(disposed).toBe(false);
    expect(scripted.sessions[0]!.destroyed).toBe(0);
    finish();
    await disposing;
    expect(scripted.sessions[0]!.destroyed).toBe(1);
  });

  it('a release that times out holds the session for the OTHER locks’ work (its failure path must not destroy it)', async () => {
    const time = new SteppedClock();
    const scripted = stallableDriver();
    const lock = new SessionAppLock(scripted.driver, { verifyIntervalMs: 0, requestTimeoutMs: 100, clock: time });
    expect([...(await lock.tryAttainLocks([1, 2]))]).toEqual([1, 2]);
    let finish!: () => void;
    const agentsOf2 = new Promise<void>((resolve) => (finish = resolve));
    lock.onLockLost((event) => {
      if (event.ids.includes(2)) event.waitUntil?.(agentsOf2);
    });
    scripted.setStall(true);
    const releasing = lock.releaseLock(1); // a hand-over of 1 while 2's agents run
    await time.flush();
    time.advance(100);
    await time.flush();
    await releasing;
    expect(lock.hasLock(2)).toBe(false);
    expect(scripted.sessions[0]!.destroyed).toBe(0);
    finish();
    await time.flush();
    expect(scripted.sessions[0]!.destroyed).toBe(1);
    await lock.dispose();
  });

  it('a batch acquire that times out, then its state check: the session stays held for the held locks’ work', async () => {
    const time = new SteppedClock();
    const scripted = stallableDriver();
    const lock = new SessionAppLock(scripted.driver, { verifyIntervalMs: 0, requestTimeoutMs: 100, clock: time });
    expect(await lock.tryAttainLock(1)).toBe(true);
    let finish!: () => void;
    const agents = new Promise<void>((resolve) => (finish = resolve));
    lock.onLockLost((event) => event.waitUntil?.(agents));
    scripted.setStall(true);
    const attempt = lock.tryAttainLocks([2, 3]).catch((error: unknown) => error);
    await time.flush();
    time.advance(100);
    await time.flush();
    await attempt;
    expect(lock.hasLock(1)).toBe(false);
    expect(scripted.sessions[0]!.destroyed).toBe(0);
    finish();
    await time.flush();
    expect(scripted.sessions[0]!.destroyed).toBe(1);
    await lock.dispose();
  });

  it('a session the server ended is not held (nothing to hold): waitUntil is harmless', async () => {
    const time = new SteppedClock();
    const scripted = stallableDriver();
    const lock = new SessionAppLock(scripted.driver, { verifyIntervalMs: 0, requestTimeoutMs: 100, clock: time });
    await lock.tryAttainLock(1);
    let called = false;
    lock.onLockLost((event) => {
      event.waitUntil?.(new Promise(() => undefined));
      called = true;
    });
    scripted.sessions[0]!.kill(new Error('terminated by the server'));
    expect(called).toBe(true);
    expect(lock.hasLock(1)).toBe(false);
    // no timer armed, dispose does not wait for the never-settling work
    expect(time.pending).toBe(0);
    await lock.dispose();
  });
});

describe('LockLostEvent.hold: the hold is a value that refuses a late call', () => {
  it('keeps a given-up session open until the held work settles', async () => {
    let finish!: () => void;
    const agents = new Promise<void>((resolve) => (finish = resolve));
    const { scripted, lock, time } = await giveUpAfterTimeout({ onLost: (event) => event.hold?.(agents) });
    expect(scripted.sessions[0]!.destroyed).toBe(0);
    finish();
    await time.flush();
    expect(scripted.sessions[0]!.destroyed).toBe(1);
    expect(time.pending).toBe(0);
    await lock.dispose();
  });

  it('throws LockHoldClosedError when called after the dispatch returned (after an await), and holds nothing', async () => {
    let refused: unknown;
    let settled!: () => void;
    const tried = new Promise<void>((resolve) => (settled = resolve));
    const { scripted, lock } = await giveUpAfterTimeout({
      onLost: (event) => {
        void (async () => {
          await Promise.resolve();
          try {
            event.hold?.(new Promise(() => undefined));
          } catch (error) {
            refused = error;
          }
          settled();
        })();
      },
    });
    await tried;
    expect(LockHoldClosedError.isHoldClosed(refused)).toBe(true);
    expect(AppLockError.hasCode(refused, 'NOT_SUPPORTED')).toBe(true);
    expect((refused as LockHoldClosedError).ids).toEqual([1, 2]);
    expect((refused as LockHoldClosedError).retryable).toBe(false);
    // the late work did not keep the given-up session open
    expect(scripted.sessions[0]!.destroyed).toBe(1);
    await lock.dispose();
  });

  it('is offered on a loss the server caused too, where it holds nothing and does not throw during the dispatch', async () => {
    const time = new SteppedClock();
    const scripted = stallableDriver();
    const lock = new SessionAppLock(scripted.driver, { verifyIntervalMs: 0, requestTimeoutMs: 100, clock: time });
    await lock.tryAttainLock(1);
    let late: ((work: PromiseLike<unknown>) => void) | undefined;
    lock.onLockLost((event) => {
      event.hold?.(new Promise(() => undefined));
      late = event.hold;
    });
    scripted.sessions[0]!.kill(new Error('terminated by the server'));
    expect(late).toBeTypeOf('function');
    expect(() => late?.(Promise.resolve())).toThrow(LockHoldClosedError);
    expect(time.pending).toBe(0);
    await lock.dispose();
  });
});
