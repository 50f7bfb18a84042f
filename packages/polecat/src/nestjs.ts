export {
  POLECAT_COORDINATORS,
  POLECAT_MODULE_OPTIONS,
  PolecatLifecycle,
  PolecatModule,
  getCoordinatorToken,
  type PolecatModuleAsyncOptions,
  type PolecatModuleOptions,
} from '@polecat/di-adapters/nestjs';
export { PolecatHealthIndicator, type PolecatHealthIndicatorResult } from '@polecat/di-adapters/nestjs';
