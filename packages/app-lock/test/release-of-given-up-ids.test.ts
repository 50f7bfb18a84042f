import { SteppedClock } from '@polecat/test-utils';
import { describe, expect, it } from 'vitest';
import type { LockLostEvent } from '../src/app-lock';
import type { LockSession, LockSessionDriver } from '../src/session/lock-session';
import { SessionAppLock } from '../src/session/session-app-lock';

/**
 * Sessions that can stall; after `holdConnects()` every new connect waits until `letConnect()`
 * (a server that does not answer the reconnect yet). Records calls and destroys per session.
 */
function reconnectingDriver() {
  const sessions: { destroyed: number; calls: string[] }[] = [];
  let stall = false;
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  const driver: LockSessionDriver<string> = {
    backend: 'scripted',
    target: 'scripted://test',
    toKey: (id) => String(id),
    connect: async () => {
      if (gate !== undefined) await gate;
      const record = { destroyed: 0, calls: [] as string[] };
      sessions.push(record);
      const answer = <T>(call: string, value: T): Promise<T> => {
        record.calls.push(call);
        return stall ? new Promise<T>(() => undefined) : Promise.resolve(value);
      };
      const session: LockSession<string> = {
        tryAcquire: (keys) =>
          answer(
            `acquire:${keys.join(',')}`,
            keys.map(() => true),
          ),
        waitAcquire: (key) => answer(`wait:${key}`, true),
        probe: (keys) =>
          answer(
            `probe:${keys.join(',')}`,
            keys.map(() => false),
          ),
        verify: (keys) =>
          answer(
            `verify:${keys.join(',')}`,
            keys.map(() => true),
          ),
        release: (keys) => answer(`release:${keys.join(',')}`, undefined),
        onClosed: () => undefined,
        close: async () => undefined,
        destroy: () => {
          record.destroyed++;
        },
      };
      return session;
    },
  };
  const holdConnects = (): void => {
    gate = new Promise<void>((resolve) => (open = resolve));
  };
  const letConnect = (): void => {
    gate = undefined;
    open();
  };
  return { driver, sessions, setStall: (value: boolean) => (stall = value), holdConnects, letConnect };
}

/**
 * Holds 1 and 2, then gives the session up (a verification times out) while the listener holds it
 * open for `work(lock)`; then `reconnect(lock)` (default: an attempt of 3) starts a reconnect that
 * does not complete until `letConnect()`.
 */
async function givenUpWhileReconnecting<T>(
  work: (lock: SessionAppLock<string>) => PromiseLike<unknown>,
  reconnect: (lock: SessionAppLock<string>) => Promise<T>,
) {
  const time = new SteppedClock();
  const scripted = reconnectingDriver();
  const lock = new SessionAppLock(scripted.driver, { verifyIntervalMs: 0, requestTimeoutMs: 100, clock: time });
  expect([...(await lock.tryAttainLocks([1, 2]))]).toEqual([1, 2]);
  lock.onLockLost((event: LockLostEvent) => event.hold?.(work(lock)));
  scripted.setStall(true);
  const verification = lock.verifyLocks().catch((error: unknown) => error);
  await time.flush();
  time.advance(100); // the request timeout: the session is given up, held open for the work
  await time.flush();
  await verification;
  expect(lock.hasLock(1)).toBe(false);
  expect(scripted.sessions[0]!.destroyed).toBe(0);
  scripted.setStall(false);
  scripted.holdConnects();
  const attempt = reconnect(lock);
  await time.flush();
  expect(scripted.sessions).toHaveLength(1); // the reconnect is pending
  return { time, scripted, lock, attempt };
}

describe('SessionAppLock: a release of ids a given-up session held never waits for a reconnect', () => {
  it('resolves the release of a lost id at once while a reconnect is pending, so the given-up session is destroyed at once', async () => {
    let agentsReturn!: () => void;
    const agents = new Promise<void>((resolve) => (agentsReturn = resolve));
    let released = false;
    // the coordinator's drain: the agents return, then the set's lock is released
    const work = (owner: SessionAppLock<string>) =>
      agents.then(async () => {
        await owner.releaseLock(1, { reason: 'handover' });
        released = true;
      });
    const { time, scripted, lock, attempt } = await givenUpWhileReconnecting(work, (owner) => owner.tryAttainLock(3));
    agentsReturn();
    await time.flush();
    expect(released).toBe(true);
    expect(scripted.sessions[0]!.destroyed).toBe(1);
    expect(scripted.sessions[0]!.calls.some((call) => call.startsWith('release'))).toBe(false);
    scripted.letConnect();
    expect(await attempt).toBe(true);
    expect(scripted.sessions).toHaveLength(2);
    await lock.dispose();
  });

  it('resolves releaseAll at once when nothing is held or asked for, while a reconnect (a probe) is pending', async () => {
    let agentsReturn!: () => void;
    const agents = new Promise<void>((resolve) => (agentsReturn = resolve));
    const work = (owner: SessionAppLock<string>) => agents.then(() => owner.releaseAll());
    const { time, scripted, lock, attempt } = await givenUpWhileReconnecting(work, (owner) => owner.probeLocks([5]));
    agentsReturn();
    await time.flush();
    expect(scripted.sessions[0]!.destroyed).toBe(1);
    scripted.letConnect();
    expect([...(await attempt)]).toEqual([]);
    await lock.dispose();
  });

  it.each([
    ['tryAttainLock', (owner: SessionAppLock<string>) => owner.tryAttainLock(3)],
    ['waitForLock', (owner: SessionAppLock<string>) => owner.waitForLock(3, { timeoutMs: 1000 })],
  ])('still queues a release of an id a pending %s asks for, and releases what it was granted', async (_, ask) => {
    const { time, scripted, lock, attempt } = await givenUpWhileReconnecting(() => new Promise(() => undefined), ask);
    let released = false;
    const releasing = lock.releaseLock(3).then(() => (released = true));
    let releasedAll = false;
    const releasingAll = lock.releaseAll().then(() => (releasedAll = true));
    await time.flush();
    expect(released).toBe(false);
    expect(releasedAll).toBe(false);
    scripted.letConnect();
    expect(await attempt).toBe(true);
    await releasing;
    await releasingAll;
    expect(lock.hasLock(3)).toBe(false);
    expect(scripted.sessions[1]!.calls.filter((call) => call.startsWith('release'))).toEqual(['release:3']);
    // the first session is still held open for the never-ending work: dispose waits for it, bounded by the hold limit
    const disposing = lock.dispose();
    time.advance(30_000);
    await disposing;
  });
});
