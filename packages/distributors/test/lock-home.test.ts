import { InMemoryLockServer, type InMemoryAppLock } from '@polecat/app-lock';
import { recordingLogger } from '@polecat/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { DatabaseMembership } from '../src/cluster-membership';
import { DEFAULT_DAEMON_LOCK_ID, computeLockId } from '../src/compute-lock-id';
import { DistributorError } from '../src/errors';
import type { LockRoundTripEvent } from '../src/lock-round-trip';
import { MultiTenantedProjectionDistributor, type MultiTenantedProjectionDistributorOptions } from '../src/multi-tenanted-projection-distributor';
import type { ProjectionDatabase } from '../src/projection-database';
import type { SetsLostEvent } from '../src/projection-distributor';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { seededRandom } from './support';

// A lock home: ONE lock owner (one connection) per lock server for many tenant databases.

const tenantIds = (count: number, prefix = 'tenant-'): ProjectionDatabase[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}${String(i).padStart(3, '0')}`, schema: 'public' }));
const shards = [shardName('Trip'), shardName('Day')];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A node: a MultiTenanted distributor whose databases all live in one lock home on `server`. */
function node(server: InMemoryLockServer, databases: () => readonly ProjectionDatabase[], options: Partial<MultiTenantedProjectionDistributorOptions> = {}) {
  const homes: InMemoryAppLock[] = [];
  const perDatabase: string[] = [];
  const distributor = new MultiTenantedProjectionDistributor({
    databases: () => databases(),
    shards,
    lockHost: 'tenants-server',
    createHomeLock: () => {
      const lock = server.createLock({ verifyIntervalMs: 0 });
      homes.push(lock);
      return lock;
    },
    createLock: (database) => {
      perDatabase.push(database.id);
      return server.createLock({ verifyIntervalMs: 0 });
    },
    random: seededRandom(homes.length + 7),
    ...options,
  });
  cleanups.push(() => distributor.dispose());
  return { distributor, homes, perDatabase };
}

describe('lock home (createHomeLock)', () => {
  it('one lock owner and ONE round trip per cycle (attempt, probe) for 50 tenant databases; ids as with lockHost', async () => {
    const server = new InMemoryLockServer();
    const tenants = tenantIds(50);
    const { distributor, homes, perDatabase } = node(server, () => tenants);
    const events: LockRoundTripEvent[] = [];
    distributor.onLockRoundTrip((event) => events.push(event));
    const sets = await distributor.buildDistribution();
    for (const set of sets) expect(set.lockId).toBe(computeLockId('public', `MultiTenanted:default@${set.database.id}`, DEFAULT_DAEMON_LOCK_ID));
    const first = await distributor.probeMembership(sets); // join: probe + take a slot + announce the join (take and release)
    expect(homes).toHaveLength(1);
    expect(perDatabase).toEqual([]);
    expect(homes[0]!.stats().roundTrips).toBe(4);
    expect(first.size).toBe(50);
    const held = await distributor.tryAttainMany(sets);
    expect(held.size).toBe(50);
    expect(homes[0]!.stats().roundTrips).toBe(5); // ONE attempt for all 50 tenants
    for (let cycle = 0; cycle < 3; cycle++) await distributor.probeMembership(await distributor.buildDistribution());
    expect(homes[0]!.stats().roundTrips).toBe(8); // ONE probe per cycle
    expect(server.openSessions).toBe(1);
    // one event per database per round trip, each naming the home
    expect(events.filter((event) => event.operation === 'attain')).toHaveLength(50);
    expect(events.every((event) => event.lockHost === 'tenants-server')).toBe(true);
  });

  it('member slots per home: 4 nodes count 4 on every tenant, and each tenant ranks the nodes in a rotated order', async () => {
    const server = new InMemoryLockServer();
    const tenants = tenantIds(200);
    const nodes = Array.from({ length: 4 }, () => node(server, () => tenants).distributor);
    const views: ReadonlyMap<string, DatabaseMembership>[] = [];
    for (const distributor of nodes) await distributor.probeMembership(await distributor.buildDistribution());
    for (const distributor of nodes) views.push(await distributor.probeMembership(await distributor.buildDistribution()));
    expect(server.openSessions).toBe(8); // per node: its lock home and the home's member watcher
    const firsts = [0, 0, 0, 0];
    for (const tenant of tenants) {
      const ranks = views.map((view) => view.get(tenant.id)!);
      expect(ranks.every((entry) => entry.liveNodes === 4 && entry.member)).toBe(true);
      expect(ranks.map((entry) => entry.rank).sort()).toEqual([0, 1, 2, 3]); // a permutation: every node knows its exact share
      firsts[ranks.findIndex((entry) => entry.rank === 0)]! += 1;
    }
    // rank 0 (an extra set) is spread over the nodes, not always the same node
    for (const count of firsts) expect(count).toBeGreaterThan(30);
  });

  it('SingleTenant with a home: one owner for every database, per-database ids, one attempt round trip', async () => {
    const server = new InMemoryLockServer();
    const homes: InMemoryAppLock[] = [];
    const distributor = new SingleTenantProjectionDistributor({
      databases: tenantIds(10),
      shards,
      lockHost: () => 'one',
      createHomeLock: () => {
        const lock = server.createLock({ verifyIntervalMs: 0 });
        homes.push(lock);
        return lock;
      },
    });
    cleanups.push(() => distributor.dispose());
    const sets = await distributor.buildDistribution();
    expect(new Set(sets.map((set) => set.lockId)).size).toBe(20);
    expect((await distributor.tryAttainMany(sets)).size).toBe(20);
    expect(homes).toHaveLength(1);
    expect(homes[0]!.stats().roundTrips).toBe(1);
  });

  it('tenants added and removed at runtime: a removed tenant keeps its set until released; the home stays while any tenant uses it', async () => {
    const server = new InMemoryLockServer();
    let tenants = tenantIds(3);
    const logger = recordingLogger();
    const { distributor, homes } = node(server, () => tenants, { logger });
    const sets = await distributor.buildDistribution();
    await distributor.probeMembership(sets);
    expect((await distributor.tryAttainMany(sets)).size).toBe(3);
    // add one: same home, one more set, still one connection
    tenants = [...tenants, { id: 'tenant-new', schema: 'public' }];
    const grown = await distributor.buildDistribution();
    expect((await distributor.tryAttainMany(grown)).size).toBe(4);
    expect(homes).toHaveLength(1);
    // remove tenant-000: its set leaves the distribution but stays held until released
    const removed = sets.find((set) => set.database.id === 'tenant-000')!;
    tenants = tenants.filter((tenant) => tenant.id !== 'tenant-000');
    const shrunk = await distributor.buildDistribution();
    expect(shrunk.map((set) => set.database.id)).not.toContain('tenant-000');
    expect(distributor.hasLock(removed)).toBe(true);
    expect(homes[0]!.hasLock(removed.lockId)).toBe(true);
    await distributor.release(removed);
    expect(distributor.hasLock(removed)).toBe(false);
    expect(homes[0]!.heldLocks().filter((id) => typeof id === 'number')).toHaveLength(3); // the others untouched
    // remove every tenant: the home goes once nobody uses it (the held sets released first)
    tenants = [];
    await distributor.buildDistribution();
    expect(server.openSessions).toBe(1);
    for (const set of grown) if (set.database.id !== 'tenant-000') await distributor.release(set);
    expect(server.openSessions).toBe(0);
    expect(logger.lines.some((line) => line.message === 'database removed: its lock owner was disposed' && line.context?.lockHost === 'tenants-server')).toBe(
      true,
    );
    // a tenant coming back gets a new home
    tenants = tenantIds(1);
    expect((await distributor.tryAttainMany(await distributor.buildDistribution())).size).toBe(1);
    expect(homes).toHaveLength(2);
  });

  it("losing the home's connection loses every tenant's set at once; the next cycle regains them", async () => {
    const server = new InMemoryLockServer();
    const tenants = tenantIds(20);
    const { distributor, homes } = node(server, () => tenants);
    const lost: SetsLostEvent[] = [];
    distributor.onSetsLost((event) => lost.push(event));
    const sets = await distributor.buildDistribution();
    expect((await distributor.tryAttainMany(sets)).size).toBe(20);
    server.terminateSession(homes[0]!);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lost.flatMap((event) => event.sets.map((set) => set.key)).sort()).toEqual(sets.map((set) => set.key).sort());
    for (const set of sets) expect(distributor.hasLock(set)).toBe(false);
    expect((await distributor.tryAttainMany(await distributor.buildDistribution())).size).toBe(20);
    expect(homes).toHaveLength(1); // the same owner reconnected
  });

  it('databases without a lock host keep an owner of their own next to the home', async () => {
    const server = new InMemoryLockServer();
    const tenants = tenantIds(4);
    const { distributor, homes, perDatabase } = node(server, () => tenants, { lockHost: (db) => (db.id === 'tenant-000' ? undefined : 'pool') });
    expect((await distributor.tryAttainMany(await distributor.buildDistribution())).size).toBe(4);
    expect(homes).toHaveLength(1);
    expect(perDatabase).toEqual(['tenant-000']);
  });

  it('rejects createHomeLock without lockHost, and a database without a host when there is no createLock', async () => {
    const server = new InMemoryLockServer();
    expect(() => new MultiTenantedProjectionDistributor({ databases: tenantIds(2), shards, createHomeLock: () => server.createLock() })).toThrow(
      DistributorError,
    );
    const logger = recordingLogger();
    const distributor = new MultiTenantedProjectionDistributor({
      databases: tenantIds(2),
      shards,
      lockHost: (db) => (db.id === 'tenant-000' ? undefined : 'pool'),
      createHomeLock: () => server.createLock(),
      logger,
    });
    cleanups.push(() => distributor.dispose());
    const held = await distributor.tryAttainMany(await distributor.buildDistribution());
    expect([...held].map((key) => key.split('/')[0])).toEqual(['tenant-001']);
    expect(logger.lines.some((line) => line.level === 'warn' && line.context?.database === 'tenant-000')).toBe(true);
  });
});
