import { assertSupportedNode } from '../internal/supported-node';

assertSupportedNode(); // one clear line on Node < 20.19 (engines alone only warns)

export { PolecatFeatureModule, PolecatModule } from './polecat-module';
export type { PolecatModuleAsyncOptions, PolecatModuleRootOptions } from './polecat-module-definition';
export { PolecatLifecycle } from './polecat-lifecycle';
export type { PolecatFeatureOptions, PolecatModuleExtras, PolecatModuleOptions, PolecatOptionsFactory } from './polecat-module-options';
export { Shard, type ShardHandler, type ShardMetadata, type ShardOptions } from './shard-decorator';
/** What a `@Shard` provider's `run` receives (re-exported from `@polecat/coordinator`, where the README's `run({ signal }: AgentContext)` needs it). */
export type { AgentContext } from '@polecat/coordinator';
export { InjectCoordinator } from './inject-coordinator';
export { toModuleLogger, type PolecatModuleLogger } from './nest-logger';
export { POLECAT_COORDINATORS, POLECAT_MODULE_OPTIONS, getCoordinatorToken } from './tokens';
export { PolecatHealthIndicator, type PolecatHealthIndicatorResult } from './polecat-health-indicator';
