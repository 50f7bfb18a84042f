import { assertSupportedNode } from './internal/supported-node';

assertSupportedNode(); // one clear line on Node < 20.19 (engines alone only warns)

export { DEFAULT_DATABASES, DEFAULT_STORE, type CoordinatorOptions, type ShardsInput } from './coordinator-options';
export { createDistributor, createProjectionCoordinator } from './create-projection-coordinator';
export {
  REGISTRATION_KINDS,
  asyncDaemon,
  projectionCoordinator,
  type AsyncDaemonOptions,
  type CoordinatorRegistration,
  type RegistrationKind,
} from './coordinator-registration';
export { CoordinatorRegistry } from './coordinator-registry';
export { drainCoordinators, startCoordinators, type DrainResult, type HostedCoordinator } from './coordinator-lifecycle';
export { DI_ADAPTER_ERROR_CODES, DiAdapterError, type DiAdapterErrorCode, type DiAdapterErrorOptions } from './errors';
export { toRegistry, type RegistrationsInput } from './registrations-input';
export { healthReport, type HealthReport, type HealthReportReason, type HealthSource, type HealthSources } from './health-report';
export { assertNoSharedLockIds } from './shared-lock-ids';
