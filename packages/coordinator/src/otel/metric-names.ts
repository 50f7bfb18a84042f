/**
 * The metric names `instrumentCoordinator` publishes (OpenTelemetry style: dotted, `polecat.coordinator.*`;
 * units in UCUM: `s`, `{set}`, ...). Attributes: `polecat.lock.operation` (`attain`, `probe`, `confirm`),
 * `error.type` (a failed round trip's error code), `polecat.takeover.cause` (`released`,
 * `orphaned`, `regained`), `polecat.lock.lost_reason`, `polecat.agent.restart_kind`, plus the
 * `attributes` option.
 */
export const METRIC_NAMES = Object.freeze({
  /** Gauge `{set}`: sets owned (from the lock events). */
  setsOwned: 'polecat.coordinator.sets.owned',
  /** Gauge `{agent}`: stalled agents. */
  agentsStalled: 'polecat.coordinator.agents.stalled',
  /** Gauge `{agent}`: aborted agents still running past `stopDrainTimeoutMs` (their locks stay held). */
  agentsDraining: 'polecat.coordinator.agents.draining',
  /** Gauge `{database}`: unreachable databases. */
  databasesUnreachable: 'polecat.coordinator.databases.unreachable',
  /** Gauge `1`: 0 healthy, 1 degraded, 2 unhealthy. */
  health: 'polecat.coordinator.health',
  /** Histogram `s`: cycle duration. */
  cycleDuration: 'polecat.coordinator.cycle.duration',
  /** Counter `{round_trip}`: lock round trips per database. */
  lockRoundTrips: 'polecat.coordinator.lock.round_trips',
  /** Histogram `s`: lock round-trip duration. */
  lockRoundTripDuration: 'polecat.coordinator.lock.round_trip.duration',
  /** Counter `{takeover}`: takeovers by cause. */
  takeovers: 'polecat.coordinator.takeovers',
  /** Histogram `s`: time from losing a set to owning it again (cause `regained`). */
  regainDuration: 'polecat.coordinator.takeover.regain.duration',
  /** Counter `{lock}`: locks lost by reason. */
  locksLost: 'polecat.coordinator.locks.lost',
  /** Counter `{failure}`: agents that failed on their own. */
  agentFailures: 'polecat.coordinator.agent.failures',
  /** Counter `{restart}`: agent restarts. */
  agentRestarts: 'polecat.coordinator.agent.restarts',
});
