import { LockLostError, type InMemoryAppLock } from '@polecat/app-lock';
import { recordingLogger } from '@polecat/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { DistributorError } from '../src/errors';
import { MultiTenantedProjectionDistributor } from '../src/multi-tenanted-projection-distributor';
import type { ProjectionDatabase } from '../src/projection-database';
import type { SetsLostEvent } from '../src/projection-distributor';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { lockFactory, seededRandom } from './support';

const shards = [shardName('Trip'), shardName('Day'), shardName('Week')];

describe('one lock owner per database: lazy owners, batched attempts, removed databases, losses, release and dispose', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  function setup(databases: ProjectionDatabase[], kind: 'single' | 'multi' = 'single') {
    const locks = lockFactory();
    const logger = recordingLogger();
    let current = databases;
    const options = {
      databases: () => current,
      shards,
      createLock: locks.createLock,
      logger,
      random: seededRandom(3),
    };
    const distributor = kind === 'single' ? new SingleTenantProjectionDistributor(options) : new MultiTenantedProjectionDistributor(options);
    cleanups.push(async () => {
      await distributor.dispose();
      await locks.disposeAll();
    });
    return { distributor, locks, logger, setDatabases: (next: ProjectionDatabase[]) => (current = next) };
  }

  it('creates one lock owner per database lazily and reuses it across cycles', async () => {
    const { distributor, locks } = setup([{ id: 'a' }, { id: 'b' }]);
    const sets = await distributor.buildDistribution();
    expect(locks.locks).toHaveLength(0);
    for (let cycle = 0; cycle < 3; cycle++) {
      await distributor.tryAttainMany(await distributor.buildDistribution());
    }
    expect(sets).toHaveLength(6);
    expect(locks.locksOf('a')).toHaveLength(1);
    expect(locks.locksOf('b')).toHaveLength(1);
  });

  it('tryAttainMany makes ONE tryAttainLocks call per database, and holds every free set', async () => {
    const { distributor, locks } = setup([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const sets = await distributor.buildDistribution();
    const held = await distributor.tryAttainMany(sets);
    expect(held).toEqual(new Set(sets.map((s) => s.key)));
    for (const id of ['a', 'b', 'c']) {
      const [lock] = locks.locksOf(id);
      expect(lock!.tryAttainLocksCalls).toHaveLength(1);
      expect([...lock!.tryAttainLocksCalls[0]!].sort()).toEqual(
        sets
          .filter((s) => s.database.id === id)
          .map((s) => s.lockId)
          .sort(),
      );
      expect(lock!.tryAttainLockCalls).toBe(0);
    }
    for (const set of sets) expect(distributor.hasLock(set)).toBe(true);
  });

  it('isolates a failing database: logged, its sets not held, others unaffected', async () => {
    const { distributor, locks, logger } = setup([{ id: 'a' }, { id: 'b' }]);
    const sets = await distributor.buildDistribution();
    await distributor.tryAttainMany([]); // nothing to do: no owner created
    expect(locks.locks).toHaveLength(0);
    await distributor.tryAttainMany(sets.filter((s) => s.database.id === 'a').slice(0, 1));
    locks.locksOf('a')[0]!.failing = true;
    await distributor.release(sets.find((s) => s.database.id === 'a' && distributor.hasLock(s))!);
    const held = await distributor.tryAttainMany(sets);
    expect(held).toEqual(new Set(sets.filter((s) => s.database.id === 'b').map((s) => s.key)));
    expect(logger.lines.some((l) => l.level === 'warn' && l.context?.database === 'a')).toBe(true);
    await expect(distributor.tryAttain(sets.find((s) => s.database.id === 'a')!)).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
  });

  it('a createLock that throws only affects its database', async () => {
    const locks = lockFactory();
    const distributor = new MultiTenantedProjectionDistributor({
      databases: [{ id: 'ok' }, { id: 'broken' }],
      shards,
      createLock: (db) => {
        if (db.id === 'broken') throw new Error('bad connection string');
        return locks.createLock(db);
      },
    });
    cleanups.push(() => distributor.dispose());
    const sets = await distributor.buildDistribution();
    const held = await distributor.tryAttainMany(sets);
    expect([...held]).toEqual([sets.find((s) => s.database.id === 'ok')!.key]);
  });

  it('re-reads the database list: a removed database keeps its held sets until they are released, then its owner is disposed', async () => {
    const { distributor, locks, logger, setDatabases } = setup([{ id: 'a' }, { id: 'b' }], 'multi');
    const sets = await distributor.buildDistribution();
    await distributor.tryAttainMany(sets);
    const setB = sets.find((s) => s.database.id === 'b')!;
    const signalB = distributor.lockSignal(setB)!;
    expect(signalB.aborted).toBe(false);
    const lockB = locks.locksOf('b')[0]!;

    setDatabases([{ id: 'a' }]);
    const next = await distributor.buildDistribution();
    expect(next.map((s) => s.database.id)).toEqual(['a']);
    // its agents may still be stopping; the lock goes only when the set is released
    expect(lockB.disposeCalls).toBe(0);
    expect(distributor.hasLock(setB)).toBe(true);
    expect(locks.serverOf('b').holderOf(setB.lockId)).toBeDefined();
    expect(signalB.aborted).toBe(false);
    // a stale set of the removed database is not attempted and creates no owner
    expect(await distributor.tryAttainMany([setB])).toEqual(new Set());
    expect(locks.locksOf('b')).toHaveLength(1);

    await distributor.release(setB);
    expect(lockB.disposeCalls).toBe(1);
    expect(locks.serverOf('b').holderOf(setB.lockId)).toBeUndefined();
    expect(locks.serverOf('b').openSessions).toBe(0);
    expect(signalB.aborted).toBe(true);
    expect(LockLostError.isLockLost(signalB.reason)).toBe(true);
    expect(distributor.hasLock(setB)).toBe(false);
    expect(logger.lines.some((l) => l.level === 'info' && l.context?.database === 'b' && l.message.includes('disposed'))).toBe(true);

    // the database comes back: a fresh owner
    setDatabases([{ id: 'a' }, { id: 'b' }]);
    const again = await distributor.buildDistribution();
    expect((await distributor.tryAttainMany(again)).size).toBe(2);
    expect(locks.locksOf('b')).toHaveLength(2);
    expect(locks.locksOf('a')).toHaveLength(1);
  });

  it('a removed database holding no set lock has its owner disposed at once; one that comes back while held keeps its owner', async () => {
    const { distributor, locks, setDatabases } = setup([{ id: 'a' }, { id: 'b' }], 'multi');
    const sets = await distributor.buildDistribution();
    await distributor.tryAttainMany(sets);
    const setA = sets.find((s) => s.database.id === 'a')!;
    const setB = sets.find((s) => s.database.id === 'b')!;
    await distributor.release(setA);
    setDatabases([]);
    await distributor.buildDistribution();
    expect(locks.locksOf('a')[0]!.disposeCalls).toBe(1); // nothing held: gone at once
    expect(locks.locksOf('b')[0]!.disposeCalls).toBe(0); // still held
    setDatabases([{ id: 'b' }]);
    const back = await distributor.buildDistribution();
    expect(distributor.hasLock(back[0]!)).toBe(true);
    expect(await distributor.tryAttainMany(back)).toEqual(new Set([setB.key]));
    expect(locks.locksOf('b')).toHaveLength(1); // the same owner, never released in between
    await distributor.release(setB);
    expect(locks.locksOf('b')[0]!.disposeCalls).toBe(0); // in the list again: kept
  });

  it('maps lost locks back to sets for onSetsLost listeners, and lockSignal aborts', async () => {
    const { distributor, locks } = setup([{ id: 'a' }, { id: 'b' }]);
    const sets = await distributor.buildDistribution();
    await distributor.tryAttainMany(sets);
    const events: SetsLostEvent[] = [];
    const lost = new Promise<void>((resolve) => {
      distributor.onSetsLost((event) => {
        events.push(event);
        resolve();
      });
    });
    const ofA = sets.filter((s) => s.database.id === 'a');
    const signals = ofA.map((s) => distributor.lockSignal(s)!);
    locks.serverOf('a').terminateSession(locks.locksOf('a')[0]!.inner as InMemoryAppLock);
    await lost;
    expect(events).toHaveLength(1);
    expect(events[0]!.sets.map((s) => s.key).sort()).toEqual(ofA.map((s) => s.key).sort());
    expect(LockLostError.isLockLost(events[0]!.error)).toBe(true);
    expect(signals.every((s) => s.aborted)).toBe(true);
    for (const set of ofA) expect(distributor.hasLock(set)).toBe(false);
    for (const set of sets.filter((s) => s.database.id === 'b')) expect(distributor.hasLock(set)).toBe(true);
  });

  it('unsubscribe stops delivery; a throwing listener is logged and does not stop others', async () => {
    const { distributor, locks, logger } = setup([{ id: 'a' }]);
    const sets = await distributor.buildDistribution();
    await distributor.tryAttainMany(sets);
    let removedCalls = 0;
    const unsubscribe = distributor.onSetsLost(() => removedCalls++);
    unsubscribe();
    distributor.onSetsLost(() => {
      throw new Error('listener bug');
    });
    const delivered = new Promise<void>((resolve) => distributor.onSetsLost(() => resolve()));
    locks.serverOf('a').terminateSession(locks.locksOf('a')[0]!.inner as InMemoryAppLock);
    await delivered;
    expect(removedCalls).toBe(0);
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('release and releaseAll free the locks for another node', async () => {
    const { distributor, locks } = setup([{ id: 'a' }]);
    const sets = await distributor.buildDistribution();
    await distributor.tryAttainMany(sets);
    await distributor.release(sets[0]!);
    expect(distributor.hasLock(sets[0]!)).toBe(false);
    expect(locks.serverOf('a').holderOf(sets[0]!.lockId)).toBeUndefined();
    expect(locks.serverOf('a').holderOf(sets[1]!.lockId)).toBeDefined();
    await distributor.releaseAll();
    for (const set of sets) expect(locks.serverOf('a').holderOf(set.lockId)).toBeUndefined();
    await distributor.release(sets[0]!); // not held: no-op
  });

  it('releaseAll reports a failed database with RELEASE_FAILED after trying all', async () => {
    const { distributor, locks } = setup([{ id: 'a' }, { id: 'b' }]);
    await distributor.tryAttainMany(await distributor.buildDistribution());
    const lockA = locks.locksOf('a')[0]!;
    lockA.releaseAll = () => Promise.reject(new Error('socket closed'));
    await expect(distributor.releaseAll()).rejects.toMatchObject({ code: 'RELEASE_FAILED' });
    expect(locks.locksOf('b')[0]!.heldLocks()).toHaveLength(0);
  });

  it('dispose is idempotent, disposes every owner once, and later use rejects with DISPOSED', async () => {
    const { distributor, locks } = setup([{ id: 'a' }, { id: 'b' }]);
    const sets = await distributor.buildDistribution();
    await distributor.tryAttainMany(sets);
    const signal = distributor.lockSignal(sets[0]!)!;
    await Promise.all([distributor.dispose(), distributor.dispose()]);
    await distributor[Symbol.asyncDispose]();
    expect(locks.locks.map((l) => l.lock.disposeCalls)).toEqual([1, 1]);
    expect(locks.serverOf('a').openSessions + locks.serverOf('b').openSessions).toBe(0);
    expect(signal.aborted).toBe(true);
    expect(distributor.hasLock(sets[0]!)).toBe(false);
    await expect(distributor.buildDistribution()).rejects.toSatisfy((e) => DistributorError.hasCode(e, 'DISPOSED'));
    await expect(distributor.tryAttainMany(sets)).rejects.toSatisfy((e) => DistributorError.hasCode(e, 'DISPOSED'));
    await expect(distributor.tryAttain(sets[0]!)).rejects.toSatisfy((e) => DistributorError.hasCode(e, 'DISPOSED'));
  });

  it('dispose does not log "database removed" (only a database that left the list is)', async () => {
    const { distributor, logger } = setup([{ id: 'a' }, { id: 'b' }], 'multi');
    await distributor.tryAttainMany(await distributor.buildDistribution());
    await distributor.dispose();
    expect(logger.lines.filter((l) => l.message.startsWith('database removed'))).toEqual([]);
    expect(logger.lines.filter((l) => l.level === 'info' || l.level === 'warn')).toEqual([]);
  });

  it('dispose waits for a removed database whose owner is still being disposed', async () => {
    const { distributor, locks, setDatabases } = setup([{ id: 'a' }, { id: 'b' }], 'multi');
    await distributor.tryAttainMany(await distributor.buildDistribution());
    const lockB = locks.locksOf('b')[0]!;
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => (finish = resolve));
    const realDispose = lockB.dispose.bind(lockB);
    lockB.dispose = async () => {
      await gate;
      await realDispose();
    };
    setDatabases([{ id: 'a' }]);
    const building = distributor.buildDistribution();
    await new Promise((resolve) => setImmediate(resolve));
    let disposed = false;
    const disposing = distributor.dispose().then(() => (disposed = true));
    await new Promise((resolve) => setImmediate(resolve));
    const disposedEarly = disposed;
    finish();
    await Promise.all([building, disposing]);
    expect(disposedEarly).toBe(false);
    expect(disposed).toBe(true);
    expect(locks.serverOf('b').openSessions).toBe(0);
  });

  it('an aborted attempt rejects with the signal reason instead of being logged as a failure', async () => {
    const { distributor, logger } = setup([{ id: 'a' }]);
    const sets = await distributor.buildDistribution();
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    await expect(distributor.tryAttainMany(sets, { signal: controller.signal })).rejects.toThrow('shutting down');
    expect(logger.lines.filter((l) => l.level === 'warn')).toHaveLength(0);
  });
});
