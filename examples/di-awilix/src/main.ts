// Awilix: registerProjectionCoordinators registers one singleton coordinator per store with a
// disposer, so container.dispose() (your shutdown path) stops it and releases its locks.
import { InMemoryLockServer } from '@polecat/app-lock';
import type { ProjectionCoordinator } from '@polecat/coordinator';
import { CoordinatorRegistry } from '@polecat/di-adapters';
import { registerProjectionCoordinators } from '@polecat/di-adapters/awilix';
import { createContainer } from 'awilix';

const locks = new InMemoryLockServer(); // production: new SqlServerAppLock(connectionString) per database
const agent = (name: string) => async ({ signal }: { signal: AbortSignal }) => {
  console.log(`  agent ${name} started`);
  await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  console.log(`  agent ${name} stopped`);
};

const container = createContainer();
const registry = new CoordinatorRegistry()
  .addProjectionCoordinator('HotCold', {
    shards: { Trip: agent('Trip'), Day: agent('Day') },
    createLock: () => locks.createLock({ owner: 'awilix-node' }),
    settings: { leadershipPollingTime: 500 },
  })
  .addProjectionCoordinator('HotCold', {
    store: 'orders',
    shards: { Order: agent('Order') },
    createLock: () => locks.createLock({ owner: 'awilix-node/orders' }),
    settings: { leadershipPollingTime: 500, daemonLockId: 5555 },
  });

const coordinators = registerProjectionCoordinators(container, registry);
console.log(`registered: ${[...coordinators.names.values()].join(', ')}`);
await coordinators.start();
const { projectionCoordinator, ordersProjectionCoordinator } = container.cradle as {
  projectionCoordinator: ProjectionCoordinator;
  ordersProjectionCoordinator: ProjectionCoordinator;
};
await projectionCoordinator.whenOwned(2, { timeoutMs: 10_000 });
await ordersProjectionCoordinator.whenOwned(1, { timeoutMs: 10_000 });
console.log('all shards running; disposing the container');
await container.dispose();
console.log(`disposed: ${locks.openSessions} lock sessions left open`);
process.exit(locks.openSessions === 0 ? 0 : 1);
