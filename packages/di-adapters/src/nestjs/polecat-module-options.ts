import type { ModuleMetadata, Type } from '@nestjs/common';
import type { RegistrationsInput } from '../registrations-input';
import type { PolecatModuleLogger } from './nest-logger';

/** Options of `PolecatModule.forRoot` (and what `forRootAsync` factories return). */
export interface PolecatModuleOptions {
  /**
   * The coordinators: a `CoordinatorRegistry`, or `projectionCoordinator(...)` / `asyncDaemon(...)`
   * registrations. Their `shards` may be omitted or partial: `@Shard` providers of the store are added.
   */
  readonly coordinators: RegistrationsInput;
  /** Start the coordinators on application bootstrap. Default `true`. */
  readonly autoStart?: boolean;
  /**
   * Overall deadline for draining on shutdown (each coordinator also bounds its agents by its
   * `stopDrainTimeoutMs`). Default: none.
   */
  readonly drainTimeoutMs?: number;
  /**
   * Where start/drain messages and the coordinators' own diagnostics go (a registration's own
   * `logger` wins). Nest's `Logger` or any `LoggerService`, `console`, pino or a Polecat `Logger`.
   * Default: `new Logger('Polecat')` from `@nestjs/common`, i.e. the application's logger.
   */
  readonly logger?: PolecatModuleLogger;
}

/** Extra options of `forRoot` / `forRootAsync` that shape the module rather than the coordinators. */
export interface PolecatModuleExtras {
  /** Register the module globally. Default `false`. */
  readonly isGlobal?: boolean;
  /**
   * `forRootAsync` only: the stores the factory will register, so their tokens exist before it
   * runs. Default `['default']`. The factory's registrations must name exactly these stores.
   */
  readonly stores?: readonly string[];
}

/** Implemented by a `forRootAsync({ useClass })` / `({ useExisting })` options factory. */
export interface PolecatOptionsFactory {
  createPolecatOptions(): PolecatModuleOptions | Promise<PolecatModuleOptions>;
}

/** Options of `PolecatModule.forFeature`. */
export interface PolecatFeatureOptions {
  /** The store these shards belong to (a `@Shard(name, { store })` on the class must agree). Default `'default'`. */
  readonly store?: string;
  /** `@Shard`-decorated injectable classes, provided (and exported) by the feature module. */
  readonly shards: readonly Type<unknown>[];
  /** Modules whose exported providers the shards inject (global modules need not be listed). */
  readonly imports?: ModuleMetadata['imports'];
}
