import { InMemoryLockServer } from '@polecat/app-lock';
import { describe, expect, it, vi } from 'vitest';
import {
  CoordinatorRegistry,
  DiAdapterError,
  asyncDaemon,
  createDistributor,
  createProjectionCoordinator,
  projectionCoordinator,
  toRegistry,
} from '../src/index';
import { FAST, lockIdsOf, randomLockBase, trackedAgents } from './helpers';

describe('CoordinatorRegistry', () => {
  it('refuses a coordinator and an async daemon for one store, saying what to pick', () => {
    const registry = new CoordinatorRegistry().addProjectionCoordinator('HotCold', { shards: {}, createLock: () => new InMemoryLockServer().createLock() });
    let caught: unknown;
    try {
      registry.addAsyncDaemon({ shards: {} });
    } catch (error) {
      caught = error;
    }
    expect(DiAdapterError.hasCode(caught, 'CONFLICTING_REGISTRATION')).toBe(true);
    expect((caught as Error).message).toContain("addProjectionCoordinator('HotCold')");
    expect((caught as Error).message).toContain('addAsyncDaemon()');
    expect((caught as Error).message).toContain('"default"');
  });

  it('refuses the same kind twice for one store but accepts other stores', () => {
    const registry = new CoordinatorRegistry().addAsyncDaemon({ shards: {} }).addAsyncDaemon({ store: 'orders', shards: {} });
    expect(registry.stores()).toEqual(['default', 'orders']);
    expect(() => registry.addAsyncDaemon({ store: 'orders', shards: {} })).toThrow(/registered twice for store "orders"/);
    expect(() => toRegistry([asyncDaemon(), projectionCoordinator('Disabled')])).toThrow(DiAdapterError);
  });

  it('tells unknown stores apart and keeps the brand across copies', () => {
    const registry = new CoordinatorRegistry([projectionCoordinator('Disabled')]);
    expect(() => registry.get('orders')).toThrow(/No coordinator is registered for store "orders" \(registered: default\)/);
    expect(CoordinatorRegistry.is(registry)).toBe(true);
    expect(CoordinatorRegistry.is({})).toBe(false);
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@polecat/di-adapters/DiAdapterError')]: true });
    expect(DiAdapterError.is(foreign)).toBe(true);
  });

  it('rejects an empty store name and a HotCold async daemon', () => {
    expect(() => projectionCoordinator('Solo', { store: ' ' })).toThrow(/store must be a non-empty string/);
    expect(() => asyncDaemon({ mode: 'HotCold' as 'Solo' })).toThrow(/addProjectionCoordinator\('HotCold'\)/);
  });
});

describe('createDistributor', () => {
  const createLock = () => new InMemoryLockServer().createLock();
  const shards = { Trip: async () => {} };

  it('picks Solo, SingleTenant for one database, MultiTenanted for several or a function', async () => {
    const solo = createDistributor('Solo', { shards });
    const single = createDistributor('HotCold', { shards, createLock });
    const multi = createDistributor('HotCold', { shards, createLock, databases: [{ id: 'a' }, { id: 'b' }] });
    const dynamic = createDistributor('HotCold', { shards, createLock, databases: () => [{ id: 'a' }] });
    expect([solo?.kind, single?.kind, multi?.kind, dynamic?.kind]).toEqual(['solo', 'single-tenant', 'multi-tenanted', 'multi-tenanted']);
    expect(createDistributor('Disabled', { shards, createLock })).toBeUndefined();
    await Promise.all([solo, single, multi, dynamic].map((d) => d?.dispose()));
  });

  it('returns a ready distributor unchanged and explains a missing createLock or shards', async () => {
    const ready = createDistributor('Solo', { shards })!;
    expect(createDistributor('HotCold', { distributor: ready })).toBe(ready);
    expect(() => createDistributor('HotCold', { shards })).toThrow(/HotCold needs createLock/);
    expect(() => createDistributor('Solo', {})).toThrow(/has no shards/);
    expect(() => createDistributor('Bogus' as 'Solo', { shards })).toThrow(/mode must be/);
    expect(() => createProjectionCoordinator('Solo', { shards: ['Trip'] })).toThrow(/need daemonFor/);
    await ready.dispose();
  });
});

describe('createProjectionCoordinator', () => {
  it('Disabled touches no database: createLock is never called and nothing runs', async () => {
    const createLock = vi.fn(() => new InMemoryLockServer().createLock());
    const { agents, starts } = trackedAgents(['Trip']);
    const coordinator = createProjectionCoordinator('Disabled', { shards: agents, createLock, settings: FAST });
    await coordinator.start();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(coordinator.status()).toMatchObject({ mode: 'Disabled', state: 'running', owned: [] });
    await coordinator.stop();
    expect(createLock).not.toHaveBeenCalled();
    expect(starts).toEqual([]);
  });

  it('HotCold on the in-memory lock owns every shard, and stop releases every lock', async () => {
    const server = new InMemoryLockServer();
    const base = randomLockBase();
    const { agents, running } = trackedAgents(['Trip', 'Day', 'Week']);
    const coordinator = createProjectionCoordinator('HotCold', {
      shards: agents,
      createLock: () => server.createLock({ owner: 'node-a' }),
      settings: { ...FAST, daemonLockId: base },
      random: () => 0,
    });
    await coordinator.start();
    await coordinator.whenOwned(3, { timeoutMs: 5000 });
    expect([...running].sort()).toEqual(['Day', 'Trip', 'Week']);
    for (const id of lockIdsOf(['Trip', 'Day', 'Week'], base)) expect(server.holderOf(id)).toBe('node-a');
    await coordinator.stop();
    expect(running.size).toBe(0);
    for (const id of lockIdsOf(['Trip', 'Day', 'Week'], base)) expect(server.holderOf(id)).toBeUndefined();
    expect(server.openSessions).toBe(0);
  });

  it('an async daemon runs every shard on every node (no locks)', async () => {
    const a = trackedAgents(['Trip', 'Day']);
    const b = trackedAgents(['Trip', 'Day']);
    const registry = new CoordinatorRegistry([
      asyncDaemon({ shards: a.agents, settings: FAST }),
      asyncDaemon({ store: 'copy', shards: b.agents, settings: FAST }),
    ]);
    const coordinators = [...registry.createAll().values()];
    await Promise.all(coordinators.map((c) => c.start()));
    await Promise.all(coordinators.map((c) => c.whenOwned(1, { timeoutMs: 5000 })));
    expect(a.running.size + b.running.size).toBe(4);
    await Promise.all(coordinators.map((c) => c.stop()));
    expect(a.running.size + b.running.size).toBe(0);
  });
});
