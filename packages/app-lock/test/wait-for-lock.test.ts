import { afterEach, describe, expect, it } from 'vitest';
import { SteppedClock } from '@polecat/test-utils';
import { AppLockError, InMemoryLockServer, type Clock, type InMemoryAppLock } from '../src';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SessionAppLock.waitForLock (in-memory server)', () => {
  const locks: InMemoryAppLock[] = [];
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.dispose()));
  });

  function setUp(clock?: Clock): { server: InMemoryLockServer; holder: InMemoryAppLock; waiter: InMemoryAppLock } {
    const server = new InMemoryLockServer(clock === undefined ? {} : { clock });
    const options = { verifyIntervalMs: 0, ...(clock === undefined ? {} : { clock }) };
    const holder = server.createLock({ ...options, owner: 'holder' });
    const waiter = server.createLock({ ...options, owner: 'waiter' });
    locks.push(holder, waiter);
    return { server, holder, waiter };
  }

  it('resolves true at once for a free id, and the id is then held like any other', async () => {
    const { server, waiter } = setUp();
    expect(await waiter.waitForLock('slot', { timeoutMs: 60_000 })).toBe(true);
    expect(waiter.hasLock('slot')).toBe(true);
    expect(server.holderOf('slot')).toBe('waiter');
    await waiter.releaseLock('slot');
    expect(server.holderOf('slot')).toBeUndefined();
  });

  it('is granted the moment the holder releases', async () => {
    const { server, holder, waiter } = setUp();
    await holder.tryAttainLock('slot');
    const waiting = waiter.waitForLock('slot', { timeoutMs: 60_000 });
    await tick();
    expect(server.waitingRequests).toBe(1);
    await holder.releaseLock('slot');
    expect(await waiting).toBe(true);
    expect(server.holderOf('slot')).toBe('waiter');
    expect(server.waitingRequests).toBe(0);
  });

  it("is granted the moment the holder's session dies (server kill), without any poll", async () => {
    const { server, holder, waiter } = setUp();
    await holder.tryAttainLock('slot');
    const waiting = waiter.waitForLock('slot', { timeoutMs: 60_000 });
    await tick();
    const roundTripsWhileWaiting = waiter.stats().roundTrips;
    server.terminateSession(holder);
    expect(await waiting).toBe(true);
    expect(waiter.stats().roundTrips).toBe(roundTripsWhileWaiting); // one waiting request, nothing more
    expect(server.holderOf('slot')).toBe('waiter');
  });

  it('resolves false after timeoutMs, issuing bounded waits one after the other', async () => {
    const clock = new SteppedClock();
    const { server, holder, waiter } = setUp(clock);
    await holder.tryAttainLock('slot');
    const waiting = waiter.waitForLock('slot', { timeoutMs: 1000 });
    await tick();
    expect(server.waitingRequests).toBe(1);
    clock.advance(999);
    await tick();
    expect(server.waitingRequests).toBe(1);
    clock.advance(1);
    expect(await waiting).toBe(false);
    expect(waiter.hasLock('slot')).toBe(false);
    expect(server.waitingRequests).toBe(0);
    expect(server.holderOf('slot')).toBe('holder');
  });

  it('an abort cancels the waiting request, rejects with the reason and leaves the owner usable', async () => {
    const { server, holder, waiter } = setUp();
    await holder.tryAttainLock('slot');
    const controller = new AbortController();
    const waiting = waiter.waitForLock('slot', { timeoutMs: 60_000, signal: controller.signal });
    await tick();
    const connects = waiter.stats().connects;
    controller.abort(new Error('retarget'));
    await expect(waiting).rejects.toThrow('retarget');
    expect(server.waitingRequests).toBe(0);
    expect(waiter.stats().connects).toBe(connects); // cancelled, not reconnected
    expect(await waiter.tryAttainLock('other')).toBe(true);
    await holder.releaseLock('slot');
    await tick();
    expect(server.holderOf('slot')).toBeUndefined(); // the abandoned request got nothing
  });

  it("the waiter's own session ending ends the wait (CONNECTION_FAILED) and leaves no waiting request", async () => {
    const { server, holder, waiter } = setUp();
    await holder.tryAttainLock('slot');
    const waiting = waiter.waitForLock('slot', { timeoutMs: 60_000 });
    await tick();
    server.terminateSession(waiter);
    await expect(waiting).rejects.toThrow(AppLockError);
    expect(server.waitingRequests).toBe(0);
    expect(server.openSessions).toBe(1);
  });

  it('dispose() ends a wait at once (DISPOSED) and closes the session', async () => {
    const { server, holder, waiter } = setUp();
    await holder.tryAttainLock('slot');
    const waiting = waiter.waitForLock('slot', { timeoutMs: 60_000 });
    await tick();
    const outcome = waiting.catch((error: unknown) => error);
    await waiter.dispose();
    expect(await outcome).toMatchObject({ code: 'DISPOSED' });
    expect(server.waitingRequests).toBe(0);
    expect(server.openSessions).toBe(1);
  });

  it('rejects a malformed timeout', async () => {
    const { waiter } = setUp();
    await expect(waiter.waitForLock('slot', { timeoutMs: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_CONFIGURATION' });
  });
});
