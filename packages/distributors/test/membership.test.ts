import { InMemoryLockServer, type AppLock } from '@polecat/app-lock';
import { afterEach, describe, expect, it } from 'vitest';
import { memberSlotId } from '../src/cluster-membership';
import { MultiTenantedProjectionDistributor } from '../src/multi-tenanted-projection-distributor';
import type { ProjectionDistributor } from '../src/projection-distributor';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { CountingLock, seededRandom } from './support';

const shards = ['A', 'B', 'C', 'D'].map((name) => shardName(name));

describe('probeMembership (member slots in the lock itself)', () => {
  const disposables: ProjectionDistributor[] = [];
  afterEach(async () => {
    await Promise.all(disposables.splice(0).map((d) => d.dispose()));
  });

  function node(server: InMemoryLockServer, owner: string, options: { maxNodes?: number; wrap?: boolean } = {}) {
    const locks: AppLock[] = [];
    const distributor = new SingleTenantProjectionDistributor({
      databases: [{ id: 'main', schema: 'app' }],
      shards,
      daemonLockId: 7,
      random: seededRandom(owner.length),
      createLock: () => {
        const inner = server.createLock({ owner, verifyIntervalMs: 0 });
        const lock = options.wrap ? new CountingLock(inner) : inner;
        locks.push(lock);
        return lock;
      },
      ...(options.maxNodes === undefined ? {} : { maxNodes: options.maxNodes }),
    });
    disposables.push(distributor);
    return { distributor, locks };
  }

  it('joins on first use (one extra round trip), then costs ONE round trip per database', async () => {
    const server = new InMemoryLockServer();
    const a = node(server, 'a');
    const sets = await a.distributor.buildDistribution();
    const first = await a.distributor.probeMembership(sets);
    expect(first.get('main')).toEqual({ liveNodes: 1, member: true, rank: 0, free: new Set(sets.map((s) => s.key)) });
    // probe + take a slot + announce the join (take and release `...:joined`: a release notice)
    expect(a.locks[0]!.stats().roundTrips).toBe(4);
    const slot = a.locks[0]!.heldLocks()[0]!;
    expect(String(slot)).toMatch(/^polecat:member:single-tenant:app:7:\d+$/);
    expect(server.holderOf(slot)).toBe('a');
    await a.distributor.probeMembership(sets);
    expect(a.locks[0]!.stats().roundTrips).toBe(5);
  });

  it('a join is announced to the other nodes (release notice), once', async () => {
    const server = new InMemoryLockServer();
    const a = node(server, 'a');
    const sets = await a.distributor.buildDistribution();
    await a.distributor.probeMembership(sets);
    let heard = 0;
    a.distributor.onReleaseNotice(() => heard++);
    const b = node(server, 'b');
    await b.distributor.buildDistribution();
    await b.distributor.probeMembership(sets);
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toBe(1);
    await b.distributor.probeMembership(sets); // already a member: nothing announced
    await new Promise((resolve) => setImmediate(resolve));
    expect(heard).toBe(1);
  });

  it('counts live nodes, reports the free sets, and sees a node leave', async () => {
    const server = new InMemoryLockServer();
    const [a, b, c] = [node(server, 'a'), node(server, 'b'), node(server, 'c')];
    const sets = await a.distributor.buildDistribution();
    await b.distributor.buildDistribution();
    await c.distributor.buildDistribution();
    await a.distributor.probeMembership(sets);
    await b.distributor.probeMembership(sets);
    await c.distributor.probeMembership(sets);
    const granted = await a.distributor.tryAttainMany(sets.slice(0, 2));
    expect(granted.size).toBe(2);
    const seenByB = (await b.distributor.probeMembership(sets)).get('main')!;
    expect(seenByB.liveNodes).toBe(3);
    expect([...seenByB.free].sort()).toEqual(
      sets
        .slice(2)
        .map((s) => s.key)
        .sort(),
    );
    const seenByA = (await a.distributor.probeMembership(sets)).get('main')!;
    expect([...seenByA.free].sort()).toEqual(
      sets
        .slice(2)
        .map((s) => s.key)
        .sort(),
    ); // its own are not "free"
    // every member sees a distinct rank, 0..live-1, in member-slot order
    const ranks = await Promise.all([a, b, c].map(async (n) => (await n.distributor.probeMembership(sets)).get('main')!.rank));
    expect([...ranks].sort()).toEqual([0, 1, 2]);
    server.terminateSession('a'); // a dies: its member slot and its set locks go at once
    await new Promise((resolve) => setTimeout(resolve, 0));
    const after = (await b.distributor.probeMembership(sets)).get('main')!;
    expect(after.liveNodes).toBe(2);
    expect(after.free.size).toBe(4);
    await c.distributor.dispose(); // a graceful leave frees the slot too
    expect((await b.distributor.probeMembership(sets)).get('main')!.liveNodes).toBe(1);
  });

  it('leaveMembership releases the member slot only: set locks stay held, the others stop counting it, the next probe re-joins', async () => {
    const server = new InMemoryLockServer();
    const [a, b] = [node(server, 'a'), node(server, 'b')];
    const sets = await a.distributor.buildDistribution();
    await b.distributor.buildDistribution();
    await a.distributor.probeMembership(sets);
    await b.distributor.probeMembership(sets);
    expect(await a.distributor.tryAttainMany(sets.slice(0, 2))).toEqual(new Set(sets.slice(0, 2).map((s) => s.key)));
    expect((await b.distributor.probeMembership(sets)).get('main')!.liveNodes).toBe(2);
    await a.distributor.leaveMembership();
    // the slot is gone; what remains is its leaving marker (a holds sets: the others probe in full until it is gone)
    expect(a.locks[0]!.heldLocks().filter((id) => typeof id === 'string')).toEqual([expect.stringMatching(/^polecat:member:.*:leaving$/)]);
    expect(sets.slice(0, 2).every((set) => a.distributor.hasLock(set))).toBe(true);
    const seenByB = (await b.distributor.probeMembership(sets)).get('main')!;
    expect(seenByB).toMatchObject({ liveNodes: 1, rank: 0 });
    expect([...seenByB.free].sort()).toEqual(
      sets
        .slice(2)
        .map((s) => s.key)
        .sort(),
    ); // a's sets are still held
    await a.distributor.leaveMembership(); // nothing held: a no-op
    expect((await a.distributor.probeMembership(sets)).get('main')).toMatchObject({ liveNodes: 2, member: true });
    expect(a.locks[0]!.heldLocks().filter((id) => typeof id === 'string' && id.endsWith(':leaving'))).toEqual([]); // a member again: marker released
    expect((await b.distributor.probeMembership(sets)).get('main')!.liveNodes).toBe(2);
  });

  it('re-joins after its connection died, and counts itself while every slot is taken', async () => {
    const server = new InMemoryLockServer();
    const [a, b, c] = [node(server, 'a', { maxNodes: 2 }), node(server, 'b', { maxNodes: 2 }), node(server, 'c', { maxNodes: 2 })];
    const sets = await a.distributor.buildDistribution();
    await b.distributor.buildDistribution();
    await c.distributor.buildDistribution();
    expect((await a.distributor.probeMembership(sets)).get('main')).toMatchObject({ liveNodes: 1, member: true });
    expect((await b.distributor.probeMembership(sets)).get('main')).toMatchObject({ liveNodes: 2, member: true });
    expect((await c.distributor.probeMembership(sets)).get('main')).toMatchObject({ liveNodes: 3, member: false });
    server.terminateSession('a');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await c.distributor.probeMembership(sets)).get('main')).toMatchObject({ liveNodes: 2, member: true });
    expect((await a.distributor.probeMembership(sets)).get('main')).toMatchObject({ liveNodes: 3, member: false });
  });

  it('reports nothing for a lock without probeLocks, or with maxNodes 0', async () => {
    const server = new InMemoryLockServer();
    const wrapped = node(server, 'a', { wrap: true });
    const sets = await wrapped.distributor.buildDistribution();
    expect((await wrapped.distributor.probeMembership(sets)).size).toBe(0);
    const off = node(server, 'b', { maxNodes: 0 });
    expect((await off.distributor.probeMembership(await off.distributor.buildDistribution())).size).toBe(0);
    expect(server.openSessions).toBe(0);
    expect(() => node(server, 'c', { maxNodes: -1 })).toThrow(/maxNodes/);
  });

  it('keeps member slots of two multi-tenanted stores in one database apart', async () => {
    const server = new InMemoryLockServer();
    const make = (storeName: string) => {
      const distributor = new MultiTenantedProjectionDistributor({
        databases: [{ id: 't1' }],
        shards,
        storeName,
        createLock: () => server.createLock({ verifyIntervalMs: 0 }),
      });
      disposables.push(distributor);
      return distributor;
    };
    const [orders, billing] = [make('orders'), make('billing')];
    const o = await orders.probeMembership(await orders.buildDistribution());
    const b = await billing.probeMembership(await billing.buildDistribution());
    expect(o.get('t1')!.liveNodes).toBe(1);
    expect(b.get('t1')!.liveNodes).toBe(1);
    expect(memberSlotId('x', 3)).toBe('polecat:member:x:3');
  });
});
