import { InMemoryLockServer } from '@polecat/app-lock';
import { recordingLogger } from '@polecat/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DAEMON_LOCK_ID, computeLockId } from '../src/compute-lock-id';
import { DistributorError } from '../src/errors';
import { MultiTenantedProjectionDistributor, multiTenantedLockId } from '../src/multi-tenanted-projection-distributor';
import type { ProjectionDatabase } from '../src/projection-database';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';

// Tenant databases whose locks live on ONE server (one connection string for
// all). Without a lock host every tenant's set had the same lock id there: one tenant ran in the
// whole cluster. With `lockHost`, each database's lock id includes its identity.

const tenants: ProjectionDatabase[] = Array.from({ length: 6 }, (_, i) => ({ id: `t${i + 1}`, schema: 'public' }));
const shards = [shardName('Trip'), shardName('Day')];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function multi(server: InMemoryLockServer, options: Partial<ConstructorParameters<typeof MultiTenantedProjectionDistributor>[0]> = {}) {
  const distributor = new MultiTenantedProjectionDistributor({
    databases: tenants,
    shards,
    createLock: () => server.createLock({ verifyIntervalMs: 0 }),
    ...options,
  });
  cleanups.push(() => distributor.dispose());
  return distributor;
}

describe('databases sharing a lock host', () => {
  it('MultiTenanted: every tenant gets its own lock id on a shared host, so every tenant can be owned', async () => {
    const server = new InMemoryLockServer(); // ONE server for all six tenants
    const a = multi(server, { lockHost: 'one-server' });
    const b = multi(server, { lockHost: 'one-server' });
    const sets = await a.buildDistribution();
    expect(new Set(sets.map((set) => set.lockId)).size).toBe(6);
    for (const set of sets) expect(set.lockId).toBe(computeLockId('public', `MultiTenanted:default@${set.database.id}`, DEFAULT_DAEMON_LOCK_ID));
    // two nodes: each takes some, together they own all six, never the same one
    const first = sets.slice(0, 3);
    expect((await a.tryAttainMany(first)).size).toBe(3);
    const setsB = await b.buildDistribution();
    const heldB = await b.tryAttainMany(setsB);
    expect(heldB.size).toBe(3);
    for (const key of heldB) expect(first.some((set) => set.key === key)).toBe(false);
  });

  it('without a lock host the original ids stay (one per store), and on one server only one tenant can be owned: the reported bug', async () => {
    const server = new InMemoryLockServer();
    const distributor = multi(server);
    const sets = await distributor.buildDistribution();
    expect(new Set(sets.map((set) => set.lockId))).toEqual(new Set([multiTenantedLockId('public')]));
    // one lock owner (session) per tenant, all on one server, all racing for ONE id: one tenant wins
    expect((await distributor.tryAttainMany(sets)).size).toBe(1);
    const other = multi(server);
    expect((await other.tryAttainMany(await other.buildDistribution())).size).toBe(0); // and no other node runs any tenant
  });

  it("'polecat-compatible' keeps the raw daemonLockId for databases with a host of their own, per-database ids (and one warning) on a shared host", async () => {
    const logger = recordingLogger();
    const server = new InMemoryLockServer();
    const own = multi(server, { lockIdStrategy: 'polecat-compatible' });
    expect((await own.buildDistribution()).map((set) => set.lockId)).toEqual(tenants.map(() => DEFAULT_DAEMON_LOCK_ID));
    const shared = multi(server, { lockIdStrategy: 'polecat-compatible', lockHost: (db) => (db.id === 't1' ? undefined : 'pool'), logger });
    const sets = await shared.buildDistribution();
    expect(sets.find((set) => set.database.id === 't1')!.lockId).toBe(DEFAULT_DAEMON_LOCK_ID);
    expect(new Set(sets.filter((set) => set.database.id !== 't1').map((set) => set.lockId)).size).toBe(5);
    await shared.buildDistribution();
    expect(logger.lines.filter((line) => line.level === 'warn' && line.message.includes('polecat-compatible'))).toHaveLength(1);
  });

  it('SingleTenant: two databases on one host get distinct ids per shard; one database without a host keeps the original', async () => {
    const server = new InMemoryLockServer();
    const databases: ProjectionDatabase[] = [
      { id: 'x', schema: 'public' },
      { id: 'y', schema: 'public' },
    ];
    const distributor = new SingleTenantProjectionDistributor({ databases, shards, createLock: () => server.createLock(), lockHost: 'shared' });
    cleanups.push(() => distributor.dispose());
    const sets = await distributor.buildDistribution();
    expect(new Set(sets.map((set) => set.lockId)).size).toBe(4);
    expect(sets.find((set) => set.database.id === 'x' && set.names[0]!.name === 'Trip')!.lockId).toBe(computeLockId('public', 'x@Trip:All'));
    const plain = new SingleTenantProjectionDistributor({ databases: [databases[0]!], shards, createLock: () => server.createLock() });
    cleanups.push(() => plain.dispose());
    expect((await plain.buildDistribution()).find((set) => set.names[0]!.name === 'Trip')!.lockId).toBe(computeLockId('public', 'Trip:All'));
  });

  it('member slots of databases on one host count apart (the database id is in the scope)', async () => {
    const server = new InMemoryLockServer();
    const distributor = multi(server, { lockHost: 'one-server' });
    const sets = await distributor.buildDistribution();
    const membership = await distributor.probeMembership(sets);
    expect([...membership.values()].every((entry) => entry.liveNodes === 1 && entry.member)).toBe(true);
    expect(membership.size).toBe(6);
  });

  it('rejects a malformed lockHost', () => {
    const server = new InMemoryLockServer();
    expect(() => multi(server, { lockHost: '' })).toThrow(DistributorError);
    expect(() => multiTenantedLockId('public', { databaseId: '' })).toThrow(DistributorError);
  });
});
