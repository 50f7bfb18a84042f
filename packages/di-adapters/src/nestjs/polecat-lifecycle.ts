import type { Logger } from '@polecat/app-lock';
import type { ProjectionCoordinator } from '@polecat/coordinator';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { drainCoordinators, startCoordinators, type DrainResult } from '../coordinator-lifecycle';
import { toModuleLogger } from './nest-logger';
import type { PolecatModuleOptions } from './polecat-module-options';
import { POLECAT_COORDINATORS, POLECAT_MODULE_OPTIONS } from './tokens';

/**
 * Ties the coordinators to the Nest application: started on `onApplicationBootstrap`, drained in
 * `beforeApplicationShutdown` (agents aborted, locks released, connections closed) so the work stops
 * before other providers close their resources in `onApplicationShutdown`.
 */
export class PolecatLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly #coordinators: ReadonlyMap<string, ProjectionCoordinator>;
  readonly #options: PolecatModuleOptions;
  readonly #logger: Logger;
  #drained: Promise<DrainResult> | undefined;

  constructor(coordinators: ReadonlyMap<string, ProjectionCoordinator>, options: PolecatModuleOptions) {
    this.#coordinators = coordinators;
    this.#options = options;
    this.#logger = toModuleLogger(options.logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.#options.autoStart === false) return;
    await startCoordinators(this.#coordinators.values());
    this.#logger.info('polecat coordinators started', { stores: [...this.#coordinators.keys()] });
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    await this.#drain(signal);
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    await this.#drain(signal);
  }

  #drain(signal: string | undefined): Promise<DrainResult> {
    this.#drained ??= drainCoordinators(this.#coordinators.values(), this.#options.drainTimeoutMs).then((result) => {
      const context = { stores: [...this.#coordinators.keys()], signal, durationMs: result.durationMs };
      if (result.ok) this.#logger.info('polecat coordinators drained', context);
      else this.#logger.error('polecat coordinators did not drain cleanly', { ...context, errors: result.errors });
      return result;
    });
    return this.#drained;
  }
}

// Decorators applied as calls: no `experimentalDecorators` / `emitDecoratorMetadata` needed.
Injectable()(PolecatLifecycle);
Inject(POLECAT_COORDINATORS)(PolecatLifecycle, undefined, 0);
Inject(POLECAT_MODULE_OPTIONS)(PolecatLifecycle, undefined, 1);
