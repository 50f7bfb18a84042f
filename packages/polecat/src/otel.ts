export {
  METRIC_NAMES,
  instrumentCoordinator,
  type CoordinatorMetrics,
  type CoordinatorMetricsOptions,
  type InstrumentableCoordinator,
} from '@polecat/coordinator/otel';
