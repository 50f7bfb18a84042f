import { InMemoryLockServer } from '@polecat/app-lock';
import type { AgentFunction, ProjectionCoordinator } from '@polecat/coordinator';
import { asFunction, asValue, createContainer } from 'awilix';
import { describe, expect, it } from 'vitest';
import { DiAdapterError, asyncDaemon, projectionCoordinator, type CoordinatorRegistration } from '../src/index';
import { coordinatorName, registerProjectionCoordinators } from '../src/awilix/index';
import { FAST, randomLockBase, trackedAgents } from './helpers';

/** A stand-in for a `pg` pool: `query` fails once `end()` was called, as pg's does. */
class FakePool {
  ended = false;
  readonly queries: string[] = [];
  async query(text: string): Promise<void> {
    if (this.ended) throw new Error('Cannot use a pool after calling end on the pool');
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.queries.push(text);
  }
  async end(): Promise<void> {
    this.ended = true;
  }
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('Awilix: names, scopes, disposal order, drain errors', () => {
  it('two stores that derive one name are a NAME_COLLISION, as is a name the container already has', () => {
    expect(coordinatorName('order-events')).toBe(coordinatorName('order_events'));
    const container = createContainer();
    const error = caught(() =>
      registerProjectionCoordinators(container, [
        asyncDaemon({ store: 'order-events', shards: { A: async () => {} } }),
        asyncDaemon({ store: 'order_events', shards: { B: async () => {} } }),
      ]),
    );
    expect(DiAdapterError.hasCode(error, 'NAME_COLLISION')).toBe(true);
    expect((error as Error).message).toContain('"order-events" and "order_events"');
    // nothing was registered by the refused call
    expect(container.hasRegistration('orderEventsProjectionCoordinator')).toBe(false);
    // an explicit name resolves it
    const handle = registerProjectionCoordinators(
      container,
      [asyncDaemon({ store: 'order-events', shards: { A: async () => {} } }), asyncDaemon({ store: 'order_events', shards: { B: async () => {} } })],
      { names: { order_events: 'orderEventsUnderscoreCoordinator' } },
    );
    expect([...handle.names.values()]).toEqual(['orderEventsProjectionCoordinator', 'orderEventsUnderscoreCoordinator']);

    const other = createContainer().register('projectionCoordinator', asValue('taken'));
    expect(
      DiAdapterError.hasCode(
        caught(() => registerProjectionCoordinators(other, asyncDaemon({ shards: { A: async () => {} } }))),
        'NAME_COLLISION',
      ),
    ).toBe(true);
  });

  it('a second call for a store already registered on the container is refused, never a silent replacement', () => {
    const container = createContainer();
    const createLock = () => new InMemoryLockServer().createLock();
    registerProjectionCoordinators(container, projectionCoordinator('HotCold', { shards: { Trip: async () => {} }, createLock }));
    const conflicting = caught(() => registerProjectionCoordinators(container, asyncDaemon({ shards: { Trip: async () => {} } })));
    expect(DiAdapterError.hasCode(conflicting, 'CONFLICTING_REGISTRATION')).toBe(true);
    const duplicate = caught(() => registerProjectionCoordinators(container, projectionCoordinator('Solo', { shards: { Trip: async () => {} } })));
    expect(DiAdapterError.hasCode(duplicate, 'DUPLICATE_REGISTRATION')).toBe(true);
    expect(container.resolve<ProjectionCoordinator>('projectionCoordinator').mode).toBe('HotCold');
  });

  it('refuses a scoped container (scope.dispose() would leave the coordinator running)', () => {
    const scope = createContainer().createScope();
    const error = caught(() => registerProjectionCoordinators(scope, asyncDaemon({ shards: { A: async () => {} } })));
    expect(DiAdapterError.hasCode(error, 'SCOPED_CONTAINER')).toBe(true);
    expect(
      DiAdapterError.hasCode(
        caught(() => registerProjectionCoordinators(createContainer().createScope().createScope(), asyncDaemon({ shards: { A: async () => {} } }))),
        'SCOPED_CONTAINER',
      ),
    ).toBe(true);
  });

  it('container.dispose() drains the coordinator before it disposes the pool its agents use, whatever the resolution order', async () => {
    const container = createContainer();
    container.register(
      'pool',
      asFunction(() => new FakePool())
        .singleton()
        .disposer((pool) => pool.end()),
    );
    const pool = container.resolve<FakePool>('pool'); // resolved FIRST: Awilix would dispose it first
    const events: string[] = [];
    const agent: AgentFunction = async ({ signal }) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      events.push('agent aborted');
      await pool.query('last batch'); // the batch in flight when the stop came
      events.push('last batch committed');
    };
    const server = new InMemoryLockServer();
    const handle = registerProjectionCoordinators(
      container,
      projectionCoordinator('HotCold', {
        shards: { Trip: agent },
        createLock: () => server.createLock(),
        settings: { ...FAST, daemonLockId: randomLockBase() },
        random: () => 0,
      }),
    );
    await handle.start();
    await container.resolve<ProjectionCoordinator>('projectionCoordinator').whenOwned(1, { timeoutMs: 5000 });
    const originalEnd = pool.end.bind(pool);
    pool.end = async () => {
      events.push('pool ended');
      await originalEnd();
    };
    await container.dispose();
    expect(events).toEqual(['agent aborted', 'last batch committed', 'pool ended']);
    expect(pool.queries).toEqual(['last batch']);
    expect(server.openSessions).toBe(0);
  });

  it('drain errors reach the caller of stop() and of container.dispose() (after everything else was disposed)', async () => {
    const base = asyncDaemon({ shards: trackedAgents(['Trip']).agents, settings: FAST });
    const failing: CoordinatorRegistration = {
      ...base,
      create: () => {
        const coordinator = base.create();
        const stop = coordinator.stop.bind(coordinator);
        coordinator.stop = async () => {
          await stop();
          throw new Error('checkpoint flush failed');
        };
        return coordinator;
      },
    };
    const container = createContainer();
    let poolEnded = false;
    container.register(
      'pool',
      asFunction(() => ({}))
        .singleton()
        .disposer(() => void (poolEnded = true)),
    );
    container.resolve('pool');
    const handle = registerProjectionCoordinators(container, failing);
    await handle.start();
    const fromStop = await handle.stop().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(DiAdapterError.hasCode(fromStop, 'DRAIN_FAILED')).toBe(true);
    expect((fromStop as Error).message).toContain('checkpoint flush failed');
    expect(((fromStop as Error).cause as AggregateError).errors[0]).toBeInstanceOf(Error);
    const fromDispose = await container.dispose().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(DiAdapterError.hasCode(fromDispose, 'DRAIN_FAILED')).toBe(true);
    expect(poolEnded).toBe(true);
  });

  it('start() refuses two stores that would share a lock id in one database (SHARED_LOCK_ID), before anything runs', async () => {
    const server = new InMemoryLockServer();
    const a = trackedAgents(['Trip']);
    const b = trackedAgents(['Trip']);
    const container = createContainer();
    const handle = registerProjectionCoordinators(container, [
      projectionCoordinator('HotCold', { shards: a.agents, createLock: () => server.createLock(), settings: FAST }),
      projectionCoordinator('HotCold', { store: 'orders', shards: b.agents, createLock: () => server.createLock(), settings: FAST }),
    ]);
    const error = await handle.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(DiAdapterError.hasCode(error, 'SHARED_LOCK_ID')).toBe(true);
    expect((error as Error).message).toMatch(/"default" \(Trip:All\) and "orders" \(Trip:All\)/);
    expect(a.starts.length + b.starts.length).toBe(0);
    expect(server.openSessions).toBe(0);
    await container.dispose();
  });
});
