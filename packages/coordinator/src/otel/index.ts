export {
  METER_VERSION,
  instrumentCoordinator,
  type CoordinatorMetrics,
  type CoordinatorMetricsOptions,
  type InstrumentableCoordinator,
} from './coordinator-metrics';
export { METRIC_NAMES } from './metric-names';
export { HISTOGRAM_BUCKETS } from './histogram-buckets';
