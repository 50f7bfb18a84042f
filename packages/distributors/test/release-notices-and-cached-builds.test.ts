import { InMemoryLockServer, type InMemoryAppLock } from '@polecat/app-lock';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProjectionDatabase } from '../src/projection-database';
import type { SetsLostEvent } from '../src/projection-distributor';
import { shardName, type ShardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { seededRandom } from './support';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('release notices, cached builds, removed databases', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  function node(server: InMemoryLockServer, databases: () => readonly ProjectionDatabase[], shards: () => readonly ShardName[]) {
    const locks: InMemoryAppLock[] = [];
    const servers = new Map<string, InMemoryLockServer>();
    const serverOf = (id: string): InMemoryLockServer => {
      if (id === 'main') return server;
      if (!servers.has(id)) servers.set(id, new InMemoryLockServer());
      return servers.get(id)!;
    };
    const distributor = new SingleTenantProjectionDistributor({
      databases: () => databases(),
      shards: () => shards(),
      createLock: (database) => {
        const lock = serverOf(database.id).createLock({ verifyIntervalMs: 0 });
        locks.push(lock);
        return lock;
      },
      random: seededRandom(7),
    });
    cleanups.push(async () => {
      await distributor.dispose();
      await Promise.all(locks.map((lock) => lock.dispose()));
    });
    return { distributor, locks, serverOf };
  }

  it("forwards another node's release as ONE notice per release batch (none for its own releases)", async () => {
    const server = new InMemoryLockServer();
    const shards = [shardName('Trip'), shardName('Day'), shardName('Week')];
    const a = node(
      server,
      () => [{ id: 'main' }],
      () => shards,
    );
    const b = node(
      server,
      () => [{ id: 'main' }],
      () => shards,
    );
    let aHeard = 0;
    let bHeard = 0;
    a.distributor.onReleaseNotice(() => aHeard++);
    const unsubscribe = b.distributor.onReleaseNotice(() => bHeard++);
    const sets = await a.distributor.buildDistribution();
    expect((await a.distributor.tryAttainMany(sets)).size).toBe(3);
    expect((await b.distributor.tryAttainMany(await b.distributor.buildDistribution())).size).toBe(0); // b's owner exists now
    await a.distributor.releaseAll();
    await tick();
    expect(bHeard).toBe(1);
    expect(aHeard).toBe(0);
    unsubscribe();
    await b.distributor.tryAttainMany(sets);
    await b.distributor.releaseAll();
    await tick();
    expect(aHeard).toBe(1);
    expect(bHeard).toBe(1);
  });

  it('reuses the same set objects while databases and shards are unchanged, rebuilds on a change', async () => {
    const server = new InMemoryLockServer();
    let shards = [shardName('Trip'), shardName('Day')];
    const { distributor } = node(
      server,
      () => [{ id: 'main' }],
      () => [...shards],
    ); // a fresh array every build
    const first = await distributor.buildDistribution();
    const second = await distributor.buildDistribution();
    const byKey = (sets: readonly { key: string }[]) => new Map(sets.map((set) => [set.key, set]));
    for (const [key, set] of byKey(second)) expect(byKey(first).get(key)).toBe(set);
    shards = [shardName('Trip'), shardName('Day'), shardName('Week')];
    const third = await distributor.buildDistribution();
    expect(third).toHaveLength(3);
    expect(third.find((set) => set.names[0]!.name === 'Week')).toBeDefined();
    expect(third.every((set) => !second.includes(set))).toBe(true); // rebuilt
  });

  it('a removed database is not announced lost and its locks stay held until each set is released', async () => {
    const server = new InMemoryLockServer();
    let databases: ProjectionDatabase[] = [{ id: 'a' }, { id: 'b' }];
    const { distributor, serverOf } = node(
      server,
      () => databases,
      () => [shardName('Trip')],
    );
    const sets = await distributor.buildDistribution();
    expect((await distributor.tryAttainMany(sets)).size).toBe(2);
    const events: SetsLostEvent[] = [];
    distributor.onSetsLost((event) => events.push(event));
    databases = [{ id: 'b' }];
    const next = await distributor.buildDistribution();
    const setA = sets.find((set) => set.database.id === 'a')!;
    expect(next.map((set) => set.database.id)).toEqual(['b']);
    expect(events).toEqual([]); // not lost: its agents stop first, then it is released
    expect(distributor.hasLock(setA)).toBe(true);
    const other = serverOf('a').createLock();
    expect(await other.tryAttainLock(setA.lockId)).toBe(false); // nobody else can start it meanwhile
    await distributor.release(setA);
    expect(distributor.hasLock(setA)).toBe(false);
    expect(await other.tryAttainLock(setA.lockId)).toBe(true);
    await other.dispose();
    await distributor.dispose();
  });
});
