import { InMemoryLockServer, systemClock, type Clock, type InMemoryAppLock, type LockId } from '@polecat/app-lock';
import { afterEach, describe, expect, it } from 'vitest';
import { FULL_PROBE_REFRESH_MS, QUIET_AFTER_NOTICE_MS } from '../src/internal/lock-owning/narrow-probe';
import type { ProjectionSet } from '../src/projection-set';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { seededRandom } from './support';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let turn = 0; turn < 200; turn++) {
    if (await check()) return;
    await tick();
  }
  throw new Error('condition not met within 200 turns');
}
const SLOTS = 8;
const IDS = 2 * SLOTS; // every probe asks about the member slots and their leaving markers
const shards = Array.from({ length: 20 }, (_, i) => shardName(`P${i}`));

interface Options {
  /** `false`: the lock has no `onReleaseNotice` (as SQL Server's). */
  readonly notices?: boolean;
  readonly watchMembers?: boolean;
  /** `false`: the lock's `announcesReleases` is false. */
  readonly announces?: boolean;
}

describe('narrow membership probes', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  let now = 0;
  const clock: Clock = { now: () => now, sleep: (ms, signal) => systemClock.sleep(ms, signal) };

  /** A node whose every `probeLocks` call is recorded (the ids it asked about). */
  function node(server: InMemoryLockServer, options: Options = {}) {
    const probes: (readonly LockId[])[] = [];
    /** Run once, between a probe's answer and its return (something happening during the round trip). */
    const duringProbe: (() => Promise<unknown>)[] = [];
    const locks: InMemoryAppLock[] = [];
    const distributor = new SingleTenantProjectionDistributor({
      databases: [{ id: 'main' }],
      shards,
      maxNodes: SLOTS,
      clock,
      watchMembers: options.watchMembers ?? true,
      createLock: () => {
        const lock = server.createLock({ verifyIntervalMs: 0 });
        const probe = lock.probeLocks.bind(lock);
        lock.probeLocks = async (ids, attain) => {
          probes.push([...ids]);
          const seen = await probe(ids, attain);
          for (const hook of duringProbe.splice(0)) await hook();
          return seen;
        };
        if (options.announces === false) Object.defineProperty(lock, 'announcesReleases', { value: false });
        // a lock whose server announces nothing (SQL Server): no onReleaseNotice at all
        if (options.notices === false) Object.defineProperty(lock, 'onReleaseNotice', { value: undefined });
        locks.push(lock);
        return lock;
      },
      random: seededRandom(3),
    });
    cleanups.push(async () => {
      await distributor.dispose();
      await Promise.all(locks.map((lock) => lock.dispose()));
    });
    const freeKeys = async (sets: readonly ProjectionSet[]): Promise<string[]> =>
      [...((await distributor.probeMembership(sets)).get('main')?.free ?? [])].sort();
    return { distributor, probes, locks, freeKeys, duringProbe };
  }

  /** A holds 10 sets, B 5 (both members), 5 are free. */
  async function cluster(options: Options = {}) {
    now = 0;
    const server = new InMemoryLockServer();
    const a = node(server, options);
    const b = node(server, options);
    const sets = [...(await a.distributor.buildDistribution())].sort((x, y) => x.lockId - y.lockId);
    await b.distributor.buildDistribution();
    expect((await a.distributor.tryAttainMany(sets.slice(0, 10))).size).toBe(10);
    expect((await b.distributor.tryAttainMany(sets.slice(10, 15))).size).toBe(5);
    await b.distributor.probeMembership(sets); // B takes its member slot
    const free = sets
      .slice(15)
      .map((set) => set.key)
      .sort();
    /** A's first (full) probe, then quiet long enough (B's join was announced) for narrow ones. */
    const settled = async (): Promise<string[]> => {
      const seen = await a.freeKeys(sets);
      now += QUIET_AFTER_NOTICE_MS;
      return seen;
    };
    return { server, a, b, sets, free, settled };
  }

  it('asks only about the member slots and the sets seen free when nothing was announced since the last full probe', async () => {
    const { a, sets, free, settled } = await cluster();
    expect(await settled()).toEqual(free);
    expect(a.probes.at(-1)).toHaveLength(IDS + 10); // full: every set not held here
    expect(await a.freeKeys(sets)).toEqual(free);
    expect(a.probes.at(-1)).toHaveLength(IDS + 5); // narrow: the five seen free
  });

  it('probes in full after a release notice, and finds the released set free', async () => {
    const { a, b, sets, free, settled } = await cluster();
    await settled();
    await b.distributor.release(sets[10]!);
    await tick();
    expect(await a.freeKeys(sets)).toEqual([...free, sets[10]!.key].sort());
    expect(a.probes.at(-1)).toHaveLength(IDS + 10);
  });

  it('probes in full at once when a member is gone without a notice (killed session): its sets are free', async () => {
    const { server, a, b, sets, free, settled } = await cluster({ watchMembers: false });
    await settled();
    server.terminateSession(b.locks[0]!); // slot and sets freed, nothing announced
    expect(await a.freeKeys(sets)).toEqual([...free, ...sets.slice(10, 15).map((set) => set.key)].sort());
    expect(a.probes.slice(-2).map((ids) => ids.length)).toEqual([IDS + 5, IDS + 10]); // narrow, then full in the same probe
  });

  it("with member watchers: the watcher's member-left notice makes the next probe full, which finds the dead member's sets", async () => {
    const { server, a, b, sets, free } = await cluster();
    await a.freeKeys(sets); // A's watcher now waits on B's slot
    const left = new Promise<void>((resolve) => a.distributor.onMemberLeft?.(() => resolve()));
    server.terminateSession(b.locks[0]!);
    await left;
    await until(async () => (await a.freeKeys(sets)).length === 10);
    expect(await a.freeKeys(sets)).toEqual([...free, ...sets.slice(10, 15).map((set) => set.key)].sort());
  });

  it('stays full while a node that left still holds sets (its leaving marker); killed mid-drain, long after its last notice, its sets are found at once', async () => {
    const { server, a, b, sets, free, settled } = await cluster({ watchMembers: false });
    await settled();
    await b.distributor.leaveMembership?.(); // stop(): slot released (a notice), sets kept while agents drain
    await tick();
    await a.freeKeys(sets); // full (the notice)
    now += QUIET_AFTER_NOTICE_MS + 1; // quiet, but B still holds sets
    await a.freeKeys(sets);
    expect(a.probes.at(-1)).toHaveLength(IDS + 10); // still full: B's marker is live
    server.terminateSession(b.locks[0]!); // killed mid-drain: sets and marker freed, no notice
    expect(await a.freeKeys(sets)).toEqual([...free, ...sets.slice(10, 15).map((set) => set.key)].sort());
  });

  it('asks next time about a set released while a probe was on its way', async () => {
    const { a, sets, free, settled } = await cluster();
    await settled();
    a.duringProbe.push(() => a.distributor.release(sets[1]!));
    await a.freeKeys(sets); // narrow; set 1 was held when it was sent, released before it came back
    expect(await a.freeKeys(sets)).toEqual([sets[1]!.key, ...free].sort());
  });

  it('probes in full when the lock says it announces no releases (PostgreSQL with releaseChannel: false)', async () => {
    const { a, sets, settled } = await cluster({ announces: false });
    await settled();
    await a.freeKeys(sets);
    expect(a.probes.at(-1)).toHaveLength(IDS + 10);
  });

  it('asks again about the sets this node gave up since the last probe', async () => {
    const { a, sets, free, settled } = await cluster();
    await settled();
    await a.distributor.release(sets[0]!);
    expect(await a.freeKeys(sets)).toEqual([sets[0]!.key, ...free].sort());
    expect(a.probes.at(-1)).toHaveLength(IDS + 6);
  });

  it('finds a silently freed set (a holder without member slot or notices) within FULL_PROBE_REFRESH_MS', async () => {
    const { server, a, sets, free, settled } = await cluster();
    const silent = server.createLock({ verifyIntervalMs: 0 }); // e.g. a .NET node: no slot
    cleanups.push(() => silent.dispose());
    expect(await silent.tryAttainLock(sets[15]!.lockId)).toBe(true);
    expect(await settled()).toEqual(free.filter((key) => key !== sets[15]!.key));
    server.terminateSession(silent);
    now += FULL_PROBE_REFRESH_MS - QUIET_AFTER_NOTICE_MS - 1;
    expect(await a.freeKeys(sets)).toEqual(free.filter((key) => key !== sets[15]!.key)); // narrow: not asked about
    now += 1;
    expect(await a.freeKeys(sets)).toEqual(free);
    expect(a.probes.at(-1)).toHaveLength(IDS + 10);
  });

  it('probes in full when the distribution changed', async () => {
    const { a, sets, settled } = await cluster();
    await settled();
    await a.freeKeys(sets.slice(0, 19));
    expect(a.probes.at(-1)).toHaveLength(IDS + 9);
  });

  it('always probes in full on a lock without release notices (SQL Server)', async () => {
    const { a, sets, free, settled } = await cluster({ notices: false });
    expect(await settled()).toEqual(free);
    expect(await a.freeKeys(sets)).toEqual(free);
    expect(a.probes.slice(-2).map((ids) => ids.length)).toEqual([IDS + 10, IDS + 10]);
  });
});
