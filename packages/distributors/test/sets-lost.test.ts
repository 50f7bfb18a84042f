import { LockLostError, type LockLostEvent } from '@polecat/app-lock';
import { recordingLogger } from '@polecat/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { SetsLostEvent } from '../src/projection-distributor';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { CountingLock, lockFactory } from './support';

/** A lock whose losses the test announces itself (with or without a session hold). */
class AnnouncingLock extends CountingLock {
  readonly #listeners = new Set<(event: LockLostEvent) => void>();

  override onLockLost(listener: (event: LockLostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  announce(event: LockLostEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

describe('lost locks become lost sets', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function heldSets() {
    const factory = lockFactory();
    const logger = recordingLogger();
    let lock: AnnouncingLock | undefined;
    const distributor = new SingleTenantProjectionDistributor({
      databases: [{ id: 'a' }],
      shards: [shardName('Trip'), shardName('Day')],
      createLock: (database) => (lock = new AnnouncingLock(factory.createLock(database))),
      logger,
    });
    cleanups.push(async () => {
      await distributor.dispose();
      await factory.disposeAll();
    });
    const sets = await distributor.buildDistribution();
    expect((await distributor.tryAttainMany(sets)).size).toBe(2);
    const events: SetsLostEvent[] = [];
    distributor.onSetsLost((event) => events.push(event));
    return { distributor, sets, lock: lock!, events, logger };
  }

  it("hands the listeners' work to the lock's session hold, synchronously during the loss", async () => {
    const { sets, lock, events } = await heldSets();
    const held: PromiseLike<unknown>[] = [];
    const work = Promise.resolve('agents returned');
    lock.announce({
      ids: sets.map((set) => set.lockId),
      error: new LockLostError(
        sets.map((set) => set.lockId),
        'connection-lost',
      ),
      hold: (promise) => held.push(promise),
    });
    expect(events).toHaveLength(1);
    events[0]!.hold?.(work);
    expect(held).toEqual([work]);
  });

  it("passes an older lock's waitUntil on as the hold when the lock offers no hold", async () => {
    const { sets, lock, events } = await heldSets();
    const held: PromiseLike<unknown>[] = [];
    const work = Promise.resolve('agents returned');
    lock.announce({ ids: [sets[0]!.lockId], error: new LockLostError([sets[0]!.lockId], 'connection-lost'), waitUntil: (promise) => held.push(promise) });
    events[0]!.hold?.(work);
    expect(held).toEqual([work]);
  });

  it('offers no hold when the lock offers none', async () => {
    const { sets, lock, events } = await heldSets();
    lock.announce({ ids: [sets[0]!.lockId], error: new LockLostError([sets[0]!.lockId], 'connection-lost') });
    expect(events.map((event) => event.sets.map((set) => set.key))).toEqual([[sets[0]!.key]]);
    expect('hold' in events[0]!).toBe(false);
    expect('waitUntil' in events[0]!).toBe(false);
  });

  it('announces nothing (only a warning) when the lost ids name no set, such as a member slot', async () => {
    const { lock, events, logger } = await heldSets();
    lock.announce({
      ids: ['polecat:member:single-tenant:dbo:4444:0'],
      error: new LockLostError(['polecat:member:single-tenant:dbo:4444:0'], 'connection-lost'),
    });
    expect(events).toEqual([]);
    expect(logger.lines.some((line) => line.level === 'warn' && line.message === 'locks lost')).toBe(true);
  });
});
