import { InMemoryLockServer } from '@polecat/app-lock';
import type { ProjectionCoordinator } from '@polecat/coordinator';
import { asValue, createContainer, InjectionMode } from 'awilix';
import { describe, expect, it } from 'vitest';
import { CoordinatorRegistry, projectionCoordinator } from '../src/index';
import { coordinatorName, registerProjectionCoordinator, registerProjectionCoordinators, startProjectionCoordinators } from '../src/awilix/index';
import { FAST, lockIdsOf, randomLockBase, trackedAgents } from './helpers';

describe('Awilix registration (real container)', () => {
  it('names stores for the cradle', () => {
    expect(coordinatorName()).toBe('projectionCoordinator');
    expect(coordinatorName('orders')).toBe('ordersProjectionCoordinator');
    expect(coordinatorName('order-events')).toBe('orderEventsProjectionCoordinator');
  });

  it('registers a singleton coordinator that starts, owns its shards, and container.dispose() releases its locks', async () => {
    const server = new InMemoryLockServer();
    const base = randomLockBase();
    const { agents, running } = trackedAgents(['Trip', 'Day']);
    const container = createContainer({ injectionMode: InjectionMode.PROXY, strict: true });
    container.register('lockServer', asValue(server));
    const handle = registerProjectionCoordinator(
      container,
      projectionCoordinator('HotCold', {
        shards: agents,
        createLock: () => server.createLock({ owner: 'awilix-node' }),
        settings: { ...FAST, daemonLockId: base },
        random: () => 0,
      }),
    );
    expect([...handle.names]).toEqual([['default', 'projectionCoordinator']]);
    await handle.start();
    const coordinator = (container.cradle as { projectionCoordinator: ProjectionCoordinator }).projectionCoordinator;
    expect(container.resolve('projectionCoordinator')).toBe(coordinator);
    await coordinator.whenOwned(2, { timeoutMs: 5000 });
    const ids = lockIdsOf(['Trip', 'Day'], base);
    for (const id of ids) expect(server.holderOf(id)).toBe('awilix-node');
    await container.dispose();
    expect(coordinator.state).toBe('stopped');
    expect(running.size).toBe(0);
    for (const id of ids) expect(server.holderOf(id)).toBeUndefined();
    expect(server.openSessions).toBe(0);
  });

  it('registers several stores under their own names; await using stops what was resolved', async () => {
    const server = new InMemoryLockServer();
    const base = randomLockBase();
    const main = trackedAgents(['Trip']);
    const orders = trackedAgents(['Order']);
    const container = createContainer();
    const registry = new CoordinatorRegistry()
      .addProjectionCoordinator('HotCold', {
        shards: main.agents,
        createLock: () => server.createLock(),
        settings: { ...FAST, daemonLockId: base },
        random: () => 0,
      })
      .addProjectionCoordinator('HotCold', {
        store: 'orders',
        shards: orders.agents,
        createLock: () => server.createLock(),
        settings: { ...FAST, daemonLockId: base + 1 },
        random: () => 0,
      });
    {
      await using handle = registerProjectionCoordinators(container, registry, { names: { orders: 'orderCoordinator' } });
      expect([...handle.names.values()]).toEqual(['projectionCoordinator', 'orderCoordinator']);
      await startProjectionCoordinators(container, ['projectionCoordinator', 'orderCoordinator']);
      await container.resolve<ProjectionCoordinator>('orderCoordinator').whenOwned(1, { timeoutMs: 5000 });
      await container.resolve<ProjectionCoordinator>('projectionCoordinator').whenOwned(1, { timeoutMs: 5000 });
      expect([...main.running, ...orders.running].sort()).toEqual(['Order', 'Trip']);
    }
    expect(main.running.size + orders.running.size).toBe(0);
    expect(server.openSessions).toBe(0);
    await container.dispose(); // disposing again after the handle stopped them is quiet
  });
});
