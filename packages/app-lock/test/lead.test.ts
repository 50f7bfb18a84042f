import { afterEach, describe, expect, it } from 'vitest';
import { AppLockError, InMemoryLockServer, lead, LockLostError, type InMemoryAppLock } from '../src';

/** Resolves once `check` holds (polls every 5 ms, at most `withinMs`). */
async function until(check: () => boolean, withinMs = 2000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A task that records its terms and runs until its signal aborts. */
function recordingTask(name: string, log: string[]): (signal: AbortSignal) => Promise<void> {
  return (signal) =>
    new Promise((resolve) => {
      log.push(`${name} leads`);
      signal.addEventListener(
        'abort',
        () => {
          log.push(`${name} stops: ${LockLostError.isLockLost(signal.reason) ? signal.reason.reason : String(signal.reason)}`);
          resolve();
        },
        { once: true },
      );
    });
}

describe('lead (leader election on one lock id)', () => {
  const server = new InMemoryLockServer();
  const locks: InMemoryAppLock[] = [];
  const campaigns: { stop: AbortController; done: Promise<void> }[] = [];
  afterEach(async () => {
    for (const campaign of campaigns) campaign.stop.abort('test over');
    await Promise.allSettled(campaigns.splice(0).map((campaign) => campaign.done));
    await Promise.all(locks.splice(0).map((lock) => lock.dispose()));
  });
  function campaign(task: (signal: AbortSignal) => unknown, options: { retryDelayMs?: number; onError?: (error: unknown) => void } = {}) {
    const lock = server.createLock({ verifyIntervalMs: 0 });
    locks.push(lock);
    const stop = new AbortController();
    const done = lead(lock, 'scheduler', task, { retryDelayMs: 20, ...options, signal: stop.signal });
    const entry = { lock, stop, done };
    campaigns.push(entry);
    return entry;
  }

  it('runs the task on exactly one owner; the other takes over when the leader stops, and the stopped lead resolves', async () => {
    const log: string[] = [];
    const a = campaign(recordingTask('a', log));
    await until(() => log.length === 1);
    const b = campaign(recordingTask('b', log));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(log).toEqual(['a leads']);
    a.stop.abort('shutdown');
    await a.done;
    await until(() => log.includes('b leads'));
    expect(log).toEqual(['a leads', 'a stops: shutdown', 'b leads']);
    expect(server.holderOf('scheduler')).toBe(b.lock.owner);
  });

  it("aborts the leader's signal with a LockLostError when its session is killed; the other owner leads next", async () => {
    const log: string[] = [];
    const a = campaign(recordingTask('a', log));
    await until(() => log.length === 1);
    campaign(recordingTask('b', log));
    server.terminateSession(a.lock);
    await until(() => log.includes('b leads'));
    expect(log.slice(0, 3)).toEqual(['a leads', 'a stops: connection-lost', 'b leads']);
  });

  it('campaigns again after a loss: the same owner leads a new term once the lock is free again', async () => {
    const log: string[] = [];
    const a = campaign(recordingTask('a', log));
    await until(() => log.length === 1);
    server.terminateSession(a.lock);
    await until(() => log.length === 3);
    expect(log).toEqual(['a leads', 'a stops: connection-lost', 'a leads']);
  });

  it('ends a term when the task returns: the lock is released for others, and this owner campaigns again', async () => {
    let terms = 0;
    const a = campaign(() => {
      terms++;
    });
    await until(() => terms >= 3);
    a.stop.abort();
    await a.done;
    expect(server.holderOf('scheduler')).toBeUndefined();
  });

  it('rejects with the error the task throws while leading, after releasing the lock', async () => {
    const a = campaign(() => Promise.reject(new Error('scheduler crashed')));
    await expect(a.done).rejects.toThrow('scheduler crashed');
    expect(server.holderOf('scheduler')).toBeUndefined();
  });

  it('survives an unreachable database: retryable failures go to onError and the campaign goes on', async () => {
    const errors: unknown[] = [];
    const log: string[] = [];
    server.setAvailable(false);
    try {
      campaign(recordingTask('a', log), { onError: (error) => errors.push(error) });
      await until(() => errors.length >= 2);
      expect(log).toEqual([]);
      expect(errors.every((error) => AppLockError.hasCode(error, 'CONNECTION_FAILED'))).toBe(true);
    } finally {
      server.setAvailable(true);
    }
    await until(() => log.includes('a leads'));
  });

  it('wakes a waiting campaign on a release notice instead of waiting out retryDelayMs', async () => {
    const log: string[] = [];
    const a = campaign(recordingTask('a', log), { retryDelayMs: 60_000 });
    await until(() => log.length === 1);
    campaign(recordingTask('b', log), { retryDelayMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    a.stop.abort('shutdown');
    await until(() => log.includes('b leads'), 1000);
  });

  it('refuses an invalid retryDelayMs and an id the owner already holds', async () => {
    const lock = server.createLock({ verifyIntervalMs: 0 });
    locks.push(lock);
    await expect(lead(lock, 'x', () => undefined, { retryDelayMs: -1 })).rejects.toSatisfy((error) => AppLockError.hasCode(error, 'INVALID_CONFIGURATION'));
    await lock.tryAttainLock('x');
    await expect(lead(lock, 'x', () => undefined)).rejects.toSatisfy((error) => AppLockError.hasCode(error, 'INVALID_CONFIGURATION'));
  });
});
