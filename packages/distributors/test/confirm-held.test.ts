import { AppLockError, type AttainOptions, type LockId } from '@polecat/app-lock';
import { afterEach, describe, expect, it } from 'vitest';
import type { LockRoundTripEvent } from '../src/lock-round-trip';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { CountingLock, lockFactory } from './support';

/** Counts verifications; `verifyFails` makes them fail as a reset session does. */
class VerifyingLock extends CountingLock {
  verifyCalls = 0;
  verifyFails = false;

  override verifyLocks(options?: AttainOptions): Promise<readonly LockId[]> {
    this.verifyCalls++;
    if (this.verifyFails) return Promise.reject(new AppLockError('CONNECTION_FAILED', 'connection reset'));
    return super.verifyLocks(options);
  }
}

describe('confirmHeld', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function setUp() {
    const factory = lockFactory();
    const locks = new Map<string, VerifyingLock>();
    const distributor = new SingleTenantProjectionDistributor({
      databases: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      shards: [shardName('Trip'), shardName('Day')],
      createLock: (database) => {
        const lock = new VerifyingLock(factory.createLock(database));
        locks.set(database.id, lock);
        return lock;
      },
    });
    cleanups.push(async () => {
      await distributor.dispose();
      await factory.disposeAll();
    });
    const sets = await distributor.buildDistribution();
    const of = (id: string) => sets.filter((set) => set.database.id === id);
    // a: both sets held; b: one of two; c: never attempted (no lock owner)
    expect((await distributor.tryAttainMany([...of('a'), of('b')[0]!])).size).toBe(3);
    return { distributor, sets, of, locks };
  }

  it('confirms the held sets among those given with ONE verification per lock owner, creating no owner', async () => {
    const { distributor, sets, of, locks } = await setUp();
    const confirmed = await distributor.confirmHeld(sets);
    expect([...confirmed].sort()).toEqual([...of('a'), of('b')[0]!].map((set) => set.key).sort());
    expect([locks.get('a')!.verifyCalls, locks.get('b')!.verifyCalls]).toEqual([1, 1]);
    expect(locks.has('c')).toBe(false);
  });

  it('confirms nothing of a lock owner whose verification fails, and reports the failed round trip as a confirmation', async () => {
    const { distributor, sets, of, locks } = await setUp();
    const trips: LockRoundTripEvent[] = [];
    distributor.onLockRoundTrip((event) => trips.push(event));
    locks.get('a')!.verifyFails = true;
    const confirmed = await distributor.confirmHeld(sets);
    expect([...confirmed]).toEqual([of('b')[0]!.key]);
    expect(trips.map((trip) => [trip.databaseId, trip.operation, trip.error === undefined])).toEqual(
      expect.arrayContaining([
        ['a', 'confirm', false],
        ['b', 'confirm', true],
      ]),
    );
    expect(trips).toHaveLength(2);
  });

  it('sends nothing for sets none of which is held', async () => {
    const { distributor, of, locks } = await setUp();
    expect((await distributor.confirmHeld([of('b')[1]!])).size).toBe(0);
    expect(locks.get('b')!.verifyCalls).toBe(0);
  });
});
