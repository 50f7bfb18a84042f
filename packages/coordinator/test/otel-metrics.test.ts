// @polecat/coordinator/otel without a database: a no-op without an SDK; with the SDK's in-memory
// reader, the instruments carry their names and units.
import { InMemoryLockServer } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory } from '../src/function-agent-daemon';
import { instrumentCoordinator, METRIC_NAMES } from '../src/otel';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { inMemoryMetrics, total } from './support/metrics';

const coordinators: ProjectionCoordinator[] = [];
afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((coordinator) => coordinator.stop()));
});

function coordinator(server: InMemoryLockServer, owner: string, shards: string[]): ProjectionCoordinator {
  const created = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor: new SingleTenantProjectionDistributor({
      databases: [{ id: 'main' }],
      shards: shards.map((name) => shardName(name)),
      createLock: () => server.createLock({ owner }),
      random: () => 0,
    }),
    daemonFor: createFunctionDaemonFactory(
      () =>
        ({ signal }) =>
          new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
    ),
    settings: { leadershipPollingTimeMs: 50, takeoverPollingTimeMs: 20, takeoverGraceMs: 0, balance: false },
  });
  coordinators.push(created);
  return created;
}

describe('@polecat/coordinator/otel', () => {
  it('is a no-op without an SDK (the global provider) and disposes', async () => {
    const c = coordinator(new InMemoryLockServer(), 'n1', ['A']);
    const metrics = instrumentCoordinator(c);
    await c.start();
    await c.whenOwned(1);
    metrics.dispose();
    metrics.dispose();
  });

  it('publishes owned sets, cycles, round trips and health with units; nothing after dispose', async () => {
    const reader = inMemoryMetrics();
    const server = new InMemoryLockServer();
    const c = coordinator(server, 'n1', ['A', 'B', 'C']);
    const metrics = instrumentCoordinator(c, { meterProvider: reader.provider, attributes: { 'polecat.store': 'test' } });
    await c.start();
    await c.whenOwned(3);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const seen = await reader.collect();
    expect(seen.get(METRIC_NAMES.setsOwned)?.points).toEqual([{ attributes: { 'polecat.store': 'test' }, value: 3 }]);
    expect(seen.get(METRIC_NAMES.setsOwned)?.unit).toBe('{set}');
    expect(seen.get(METRIC_NAMES.cycleDuration)?.unit).toBe('s');
    expect(total(seen, METRIC_NAMES.cycleDuration)).toBeGreaterThanOrEqual(1);
    expect(total(seen, METRIC_NAMES.lockRoundTrips, { 'polecat.lock.operation': 'attain' })).toBeGreaterThanOrEqual(1);
    expect(seen.get(METRIC_NAMES.health)?.points[0]?.value).toBe(0);
    metrics.dispose();
    await reader.shutdown();
  });
});
