export { PolecatModule } from './polecat-module';
export { PolecatLifecycle } from './polecat-lifecycle';
export type { PolecatModuleAsyncOptions, PolecatModuleOptions } from './polecat-module-options';
export { POLECAT_COORDINATORS, POLECAT_MODULE_OPTIONS, getCoordinatorToken } from './tokens';
export { PolecatHealthIndicator, type PolecatHealthIndicatorResult } from './polecat-health-indicator';
