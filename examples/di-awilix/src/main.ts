// Awilix: registerProjectionCoordinators registers one singleton coordinator per store. The shards
// resolve a pg pool from the container, registered with a disposer that ends it. On SIGTERM,
// container.dispose() drains the coordinators FIRST (agents finish their last batch on the open
// pool, locks released), then disposes the pool: Awilix alone would start every disposer at once.
// `--pg <url>` runs it on PostgreSQL advisory locks with a real pg pool; it sends itself SIGTERM.
import type { AgentFunction, ProjectionCoordinator } from '@polecat/coordinator';
import { CoordinatorRegistry } from '@polecat/di-adapters';
import { registerProjectionCoordinators } from '@polecat/di-adapters/awilix';
import { asFunction, asValue, createContainer } from 'awilix';
import { createBackend, frameworkMajor, type Queryable } from './backend';

const backend = createBackend();
const container = createContainer();
container.register({
  backend: asValue(backend),
  pool: asFunction(() => backend.pool)
    .singleton()
    .disposer(async (pool) => {
      console.log('  pool disposed (after the coordinators drained)');
      await pool.end();
    }),
});
const pool = container.resolve<Queryable>('pool'); // resolved before the coordinators, as an app would

/** A shard's work: one query per batch until aborted, then the batch in flight. */
const agent =
  (name: string): AgentFunction =>
  async ({ signal }) => {
    console.log(`  agent ${name} started`);
    while (!signal.aborted) {
      await pool.query('select 1 as n');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await pool.query('select 1 as n'); // the pool must still be open here
    console.log(`  agent ${name} stopped after its last batch`);
  };

const registry = new CoordinatorRegistry()
  .addProjectionCoordinator('HotCold', {
    shards: { Trip: agent('Trip'), Day: agent('Day') },
    createLock: () => backend.createLock(),
    settings: { leadershipPollingTimeMs: 500 },
  })
  .addProjectionCoordinator('HotCold', {
    store: 'orders',
    shards: { Order: agent('Order') },
    createLock: () => backend.createLock(),
    settings: { leadershipPollingTimeMs: 500, daemonLockId: 5555 },
  });
const coordinators = registerProjectionCoordinators(container, registry);
console.log(`registered: ${[...coordinators.names.values()].join(', ')}`);

process.once('SIGTERM', () => {
  void (async () => {
    let code = 0;
    try {
      await container.dispose(); // coordinators drained first, then the pool; drain errors are thrown here
    } catch (error) {
      console.error('dispose failed:', error);
      code = 1;
    }
    const left = await backend.locksLeft();
    console.log(`disposed: advisory locks left: ${left}`);
    process.exit(left === 0 ? code : 1);
  })();
});

await coordinators.start();
const { projectionCoordinator, ordersProjectionCoordinator } = container.cradle as {
  projectionCoordinator: ProjectionCoordinator;
  ordersProjectionCoordinator: ProjectionCoordinator;
};
await projectionCoordinator.whenOwned(2, { timeoutMs: 10_000 });
await ordersProjectionCoordinator.whenOwned(1, { timeoutMs: 10_000 });
console.log(
  `Awilix ${frameworkMajor('awilix')}, ${backend.name}: all shards running; advisory locks held: ${await backend.locksHeld()}; sending myself SIGTERM`,
);
process.kill(process.pid, 'SIGTERM');
