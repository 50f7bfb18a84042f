// OpenTelemetry metrics on PostgreSQL, read with the SDK's in-memory reader: owned sets, lock
// round trips, and a takeover after a node PROCESS is killed (SIGKILL: its session ends, no notice).
import { OwnershipLedger, spawnNode, type NodeHandle } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { instrumentCoordinator, METRIC_NAMES } from '../src/otel';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { FAST_LOCK, FAST_SETTINGS, createInProcessNode, eventually, randomScope, shardNames, type InProcessNode } from './support/in-process-node';
import { inMemoryMetrics, total } from './support/metrics';

const SHARDS = 4;

await describePostgres('OpenTelemetry metrics (PostgreSQL)', (url) => {
  let child: NodeHandle | undefined;
  let survivor: InProcessNode | undefined;
  afterEach(async () => {
    await survivor?.stop();
    await child?.stop();
    survivor = undefined;
    child = undefined;
  });

  it('the in-memory reader sees owned sets, lock round trips and a takeover after a kill', async () => {
    const { daemonLockId, prefix } = randomScope();
    const ledger = new OwnershipLedger();
    const settings = { ...FAST_SETTINGS, takeoverPollingTimeMs: 100, balance: false };
    child = await spawnNode({
      id: `${prefix}-victim`,
      databases: [{ id: 'main', url }],
      shards: SHARDS,
      shardPrefix: prefix,
      daemonLockId,
      ledger,
      coordinator: settings,
      lock: FAST_LOCK,
      logLevel: 'warn',
      modules: { coordinator: COORDINATOR_SOURCE },
    });
    await child.whenOwned(SHARDS, 15_000);

    const reader = inMemoryMetrics();
    survivor = createInProcessNode({
      id: `${prefix}-survivor`,
      databases: [{ id: 'main', url }],
      shards: shardNames(prefix, SHARDS),
      daemonLockId,
      ledger,
      settings,
    });
    const metrics = instrumentCoordinator(survivor.coordinator, { meterProvider: reader.provider });
    await survivor.coordinator.start();
    await eventually(() => survivor!.coordinator.status().cycles >= 3, 'the standby polled three times');
    let seen = await reader.collect();
    expect(total(seen, METRIC_NAMES.setsOwned)).toBe(0);
    const standbyTrips = total(seen, METRIC_NAMES.lockRoundTrips, { 'polecat.lock.operation': 'attain' });
    expect(standbyTrips).toBeGreaterThanOrEqual(3);
    expect(total(seen, METRIC_NAMES.lockRoundTripDuration)).toBe(standbyTrips);
    expect(total(seen, METRIC_NAMES.takeovers)).toBe(0);

    child.kill('SIGKILL');
    await survivor.coordinator.whenOwned(SHARDS, { timeoutMs: 15_000 });
    await eventually(async () => total(await reader.collect(), METRIC_NAMES.setsOwned) === SHARDS, 'the owned gauge shows every set');
    seen = await reader.collect();
    expect(total(seen, METRIC_NAMES.takeovers, { 'polecat.takeover.cause': 'orphaned' })).toBe(SHARDS);
    expect(total(seen, METRIC_NAMES.lockRoundTrips, { 'polecat.lock.operation': 'attain' })).toBeGreaterThan(standbyTrips);
    expect(seen.get(METRIC_NAMES.lockRoundTrips)?.points.some((point) => point.attributes['error.type'] !== undefined)).toBe(false);
    expect(seen.get(METRIC_NAMES.health)?.points[0]?.value).toBe(0);
    expect(ledger.findOverlaps()).toEqual([]);
    metrics.dispose();
    await reader.shutdown();
  });
});
