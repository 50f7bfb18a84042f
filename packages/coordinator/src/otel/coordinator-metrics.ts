import { metrics, type Attributes, type Meter, type MeterProvider, type ObservableResult } from '@opentelemetry/api';
import type { CoordinatorEvents } from '../coordinator-events';
import type { CoordinatorHealth, HealthStatus } from '../coordinator-health';
import { LOCK_LOSS_REASONS } from '@polecat/app-lock';
import { TAKEOVER_CAUSES } from '../takeover-cause';
import { HISTOGRAM_BUCKETS } from './histogram-buckets';
import { METRIC_NAMES } from './metric-names';

/** The version of the meter (`getMeter('@polecat/coordinator', METER_VERSION)`): the instruments' schema, bumped when they change. */
export const METER_VERSION = '1.1.0';

/** What {@link instrumentCoordinator} needs of a coordinator (`ProjectionCoordinator` has it). */
export interface InstrumentableCoordinator {
  on<K extends keyof CoordinatorEvents>(event: K, listener: (payload: CoordinatorEvents[K]) => void): () => void;
  health(): CoordinatorHealth;
}

/** Options of {@link instrumentCoordinator}. */
export interface CoordinatorMetricsOptions {
  /** The meter to create instruments on. Default: `meterProvider.getMeter('@polecat/coordinator', METER_VERSION)`. */
  readonly meter?: Meter;
  /** Default: the global provider (`metrics.getMeterProvider()`): a no-op until an SDK registers one. */
  readonly meterProvider?: MeterProvider;
  /** Added to every measurement (e.g. `{ 'polecat.store': 'orders' }` when a process runs several coordinators). */
  readonly attributes?: Attributes;
}

/** The handle {@link instrumentCoordinator} returns. */
export interface CoordinatorMetrics {
  /** Unsubscribes from the coordinator and removes the observable callbacks. Idempotent. */
  dispose(): void;
}

const HEALTH_VALUE: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, unhealthy: 2 };

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown';
}

/**
 * Publishes a coordinator's work as OpenTelemetry metrics (names in {@link METRIC_NAMES}, units
 * given). Subscribes to the coordinator's typed events: nothing is measured on the coordinator's
 * hot path beyond what it emits anyway (one `cycle` event per cycle, one `lockRoundTrip` per
 * database per round trip). Without an OpenTelemetry SDK the API is a no-op.
 * @example
 * import { instrumentCoordinator } from '@polecat/coordinator/otel';
 * const metrics = instrumentCoordinator(coordinator, { attributes: { 'polecat.store': 'default' } });
 */
export function instrumentCoordinator(coordinator: InstrumentableCoordinator, options: CoordinatorMetricsOptions = {}): CoordinatorMetrics {
  const meter = options.meter ?? (options.meterProvider ?? metrics.getMeterProvider()).getMeter('@polecat/coordinator', METER_VERSION);
  const base: Attributes = options.attributes ?? {};
  const withBase = (attributes: Attributes): Attributes => ({ ...base, ...attributes });

  const owned = meter.createObservableGauge(METRIC_NAMES.setsOwned, {
    description: 'Projection sets this node owns (locks held, agents started).',
    unit: '{set}',
  });
  const stalled = meter.createObservableGauge(METRIC_NAMES.agentsStalled, {
    description: 'Running agents without progress for stallTimeoutMs.',
    unit: '{agent}',
  });
  const draining = meter.createObservableGauge(METRIC_NAMES.agentsDraining, {
    description: 'Aborted agents still running past stopDrainTimeoutMs (locks kept until they return).',
    unit: '{agent}',
  });
  const unreachable = meter.createObservableGauge(METRIC_NAMES.databasesUnreachable, {
    description: 'Databases whose lock round trips fail.',
    unit: '{database}',
  });
  const healthGauge = meter.createObservableGauge(METRIC_NAMES.health, {
    description: 'Health of the coordinator: 0 healthy, 1 degraded, 2 unhealthy.',
    unit: '1',
  });
  const cycleDuration = meter.createHistogram(METRIC_NAMES.cycleDuration, {
    description: 'Duration of one coordinator cycle.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...HISTOGRAM_BUCKETS.cycleDuration] },
  });
  const roundTrips = meter.createCounter(METRIC_NAMES.lockRoundTrips, {
    description: 'Lock round trips to a database (batched attempts, membership probes).',
    unit: '{round_trip}',
  });
  const roundTripDuration = meter.createHistogram(METRIC_NAMES.lockRoundTripDuration, {
    description: 'Duration of one lock round trip.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...HISTOGRAM_BUCKETS.lockRoundTripDuration] },
  });
  const takeovers = meter.createCounter(METRIC_NAMES.takeovers, {
    description: 'Sets this node took over, by cause (released, orphaned, regained).',
    unit: '{takeover}',
  });
  const regain = meter.createHistogram(METRIC_NAMES.regainDuration, {
    description: 'Time from this node losing a set to owning it again.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...HISTOGRAM_BUCKETS.regainDuration] },
  });
  const locksLost = meter.createCounter(METRIC_NAMES.locksLost, { description: 'Locks this node lost, by reason.', unit: '{lock}' });
  const failures = meter.createCounter(METRIC_NAMES.agentFailures, {
    description: 'Agents that failed on their own, by shard and error.type.',
    unit: '{failure}',
  });
  const restarts = meter.createCounter(METRIC_NAMES.agentRestarts, { description: 'Agents restarted after a failure or a return.', unit: '{restart}' });

  // Counters exist from the start (a rate over a series that appears at its first increment is blind to it)
  for (const cause of TAKEOVER_CAUSES) takeovers.add(0, withBase({ 'polecat.takeover.cause': cause }));
  for (const reason of LOCK_LOSS_REASONS) locksLost.add(0, withBase({ 'polecat.lock.lost_reason': reason }));
  for (const counter of [roundTrips, failures, restarts]) counter.add(0, base);

  const ownedKeys = new Set<string>();
  const stalledNow = new Set<string>();
  const unreachableNow = new Set<string>();
  const unsubscribe = [
    coordinator.on('cycle', ({ durationMs, owned: count }) => {
      if (count === 0) ownedKeys.clear(); // (reconciles sets that left without an event)
      cycleDuration.record(durationMs / 1000, base);
    }),
    coordinator.on('lockAcquired', ({ set }) => void ownedKeys.add(set.key)),
    coordinator.on('lockReleased', ({ set }) => void ownedKeys.delete(set.key)),
    coordinator.on('lockLost', ({ set, error }) => {
      ownedKeys.delete(set.key);
      locksLost.add(1, withBase({ 'polecat.lock.lost_reason': error.reason }));
    }),
    coordinator.on('lockRoundTrip', ({ operation, durationMs, error }) => {
      const attributes = withBase(
        error === undefined ? { 'polecat.lock.operation': operation } : { 'polecat.lock.operation': operation, 'error.type': codeOf(error) },
      );
      roundTrips.add(1, attributes);
      roundTripDuration.record(durationMs / 1000, attributes);
    }),
    coordinator.on('takeover', ({ cause, unownedMs }) => {
      takeovers.add(1, withBase({ 'polecat.takeover.cause': cause }));
      if (unownedMs !== undefined) regain.record(unownedMs / 1000, base);
    }),
    coordinator.on('agentFailed', ({ shard, database, error }) =>
      failures.add(1, withBase({ 'polecat.shard': `${database.id}/${shard.identity}`, 'error.type': codeOf(error) })),
    ),
    coordinator.on('agentStarted', ({ kind }) => {
      if (kind !== 'start') restarts.add(1, withBase({ 'polecat.agent.restart_kind': kind }));
    }),
    coordinator.on('agentStalled', ({ shard, database }) => void stalledNow.add(`${database.id}/${shard.identity}`)),
    coordinator.on('agentStallEnded', ({ shard, database }) => void stalledNow.delete(`${database.id}/${shard.identity}`)),
    coordinator.on('databaseUnreachable', ({ databaseId }) => void unreachableNow.add(databaseId)),
    coordinator.on('databaseReachable', ({ databaseId }) => void unreachableNow.delete(databaseId)),
  ];
  const observe = {
    owned: (result: ObservableResult) => result.observe(ownedKeys.size, base),
    stalled: (result: ObservableResult) => result.observe(stalledNow.size, base),
    unreachable: (result: ObservableResult) => result.observe(unreachableNow.size, base),
    draining: (result: ObservableResult) =>
      result.observe(coordinator.health().reasons.find((reason) => reason.code === 'AGENTS_DRAINING')?.shards?.length ?? 0, base),
    health: (result: ObservableResult) => result.observe(HEALTH_VALUE[coordinator.health().status], base),
  };
  owned.addCallback(observe.owned);
  stalled.addCallback(observe.stalled);
  unreachable.addCallback(observe.unreachable);
  draining.addCallback(observe.draining);
  healthGauge.addCallback(observe.health);
  let disposed = false;
  return {
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const off of unsubscribe) off();
      owned.removeCallback(observe.owned);
      stalled.removeCallback(observe.stalled);
      unreachable.removeCallback(observe.unreachable);
      draining.removeCallback(observe.draining);
      healthGauge.removeCallback(observe.health);
    },
  };
}
