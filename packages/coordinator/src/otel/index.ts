export {
  instrumentCoordinator,
  type CoordinatorMetrics,
  type CoordinatorMetricsOptions,
  type InstrumentableCoordinator,
} from './coordinator-metrics';
export { METRIC_NAMES } from './metric-names';
