import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { describePostgres } from '@polecat/test-utils/vitest';
import { PostgresAppLock, type PostgresAppLockOptions } from '../src';

const until = async (check: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

await describePostgres('PostgresAppLock release notices (LISTEN / pg_notify)', (url) => {
  const locks: PostgresAppLock[] = [];
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.dispose()));
  });
  const channel = `polecat_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const base = 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000);
  const create = (options: PostgresAppLockOptions = {}): PostgresAppLock => {
    const lock = new PostgresAppLock(url, { applicationName: `polecat-notice-${locks.length}`, verifyIntervalMs: 0, releaseChannel: channel, ...options });
    locks.push(lock);
    return lock;
  };

  it('another owner hears one notice per release round trip; the releasing owner does not hear itself', async () => {
    const owner = create();
    const standby = create();
    let ownerHeard = 0;
    let standbyHeard = 0;
    owner.onReleaseNotice(() => ownerHeard++);
    standby.onReleaseNotice(() => standbyHeard++);
    const ids = [base, base + 1, base + 2];
    expect((await owner.tryAttainLocks(ids)).size).toBe(3);
    expect((await standby.tryAttainLocks(ids)).size).toBe(0); // opens the standby's connection (and its LISTEN)
    const before = owner.stats().roundTrips;
    await owner.releaseAll();
    expect(owner.stats().roundTrips - before).toBe(1); // unlock + notify in ONE round trip
    await until(() => standbyHeard === 1);
    // the notice arrives after the unlocks committed: the standby can take them at once
    expect((await standby.tryAttainLocks(ids)).size).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(standbyHeard).toBe(1);
    expect(ownerHeard).toBe(0);
  });

  it('the notice carries the release reason (the NOTIFY payload); none or an invalid one: no reason', async () => {
    const owner = create();
    const standby = create();
    const heard: unknown[] = [];
    standby.onReleaseNotice((notice) => heard.push(notice));
    await owner.tryAttainLocks([base + 20, base + 21, base + 22]);
    await standby.tryAttainLocks([base + 23]);
    await owner.releaseLock(base + 20, { reason: 'stopped' });
    await owner.releaseLock(base + 21);
    await owner.releaseLock(base + 22, { reason: "'; drop table x; --" });
    await until(() => heard.length === 3);
    expect(heard).toEqual([{ reason: 'stopped' }, {}, {}]);
  });

  it('releaseChannel: false sends no notice and listens to none', async () => {
    const quiet = create({ releaseChannel: false });
    const listener = create();
    let heard = 0;
    listener.onReleaseNotice(() => heard++);
    await listener.tryAttainLocks([base + 10]);
    await quiet.tryAttainLocks([base + 11]);
    await quiet.releaseAll();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heard).toBe(0);
    const notifier = create();
    await notifier.tryAttainLocks([base + 12]);
    await notifier.releaseLock(base + 12);
    await until(() => heard === 1); // the listener does listen: the silence above was the option
  });
});
