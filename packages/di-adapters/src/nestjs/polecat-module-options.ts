import type { ConsoleLike, Logger } from '@polecat/app-lock';
import type { InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import type { RegistrationsInput } from '../registrations-input';

/** Options of `PolecatModule.forRoot`. */
export interface PolecatModuleOptions {
  /** The coordinators: a `CoordinatorRegistry`, or `projectionCoordinator(...)` / `asyncDaemon(...)` registrations. */
  readonly coordinators: RegistrationsInput;
  /** Start the coordinators on application bootstrap. Default `true`. */
  readonly autoStart?: boolean;
  /**
   * Overall deadline for draining on shutdown (each coordinator also bounds its agents by its
   * `stopDrainTimeout`). Default: none.
   */
  readonly drainTimeoutMs?: number;
  /** Where start/drain messages go. Default: silent. */
  readonly logger?: Logger | ConsoleLike;
}

/** Options of `PolecatModule.forRootAsync`. */
export interface PolecatModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /**
   * The stores the factory will register, so their tokens can be provided before it runs.
   * Default `['default']`. The factory's registrations must name exactly these stores.
   */
  readonly stores?: readonly string[];
  /** Builds the options (typically from a `ConfigService`). */
  readonly useFactory: (...args: never[]) => PolecatModuleOptions | Promise<PolecatModuleOptions>;
  /** Providers handed to `useFactory`, in order. */
  readonly inject?: readonly (InjectionToken | OptionalFactoryDependency)[];
  /** Register the module globally. Default `false`. */
  readonly isGlobal?: boolean;
}
