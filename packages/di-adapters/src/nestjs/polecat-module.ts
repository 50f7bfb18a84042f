import type { ProjectionCoordinator } from '@polecat/coordinator';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiAdapterError } from '../errors';
import { toRegistry } from '../registrations-input';
import { PolecatLifecycle } from './polecat-lifecycle';
import type { PolecatModuleAsyncOptions, PolecatModuleOptions } from './polecat-module-options';
import { POLECAT_COORDINATORS, POLECAT_MODULE_OPTIONS, getCoordinatorToken } from './tokens';

function coordinatorProviders(stores: readonly string[], expectExactly: boolean): Provider[] {
  const all: Provider = {
    provide: POLECAT_COORDINATORS,
    inject: [POLECAT_MODULE_OPTIONS],
    useFactory: (options: PolecatModuleOptions): ReadonlyMap<string, ProjectionCoordinator> => {
      const registry = toRegistry(options.coordinators);
      const registered = registry.stores();
      if (expectExactly && (registered.length !== stores.length || registered.some((store) => !stores.includes(store)))) {
        throw new DiAdapterError(
          'UNKNOWN_STORE',
          `PolecatModule.forRootAsync declared stores [${stores.join(', ')}] but the factory registered [${registered.join(', ')}]; list them in { stores: [...] }`,
        );
      }
      return registry.createAll();
    },
  };
  const perStore = stores.map(
    (store): Provider => ({
      provide: getCoordinatorToken(store),
      inject: [POLECAT_COORDINATORS],
      useFactory: (coordinators: ReadonlyMap<string, ProjectionCoordinator>) => coordinators.get(store),
    }),
  );
  return [all, ...perStore, PolecatLifecycle];
}

function exportsOf(stores: readonly string[]): string[] {
  return [POLECAT_COORDINATORS, ...stores.map((store) => getCoordinatorToken(store))];
}

/**
 * The NestJS dynamic module: one `ProjectionCoordinator` per registered store, injectable with
 * `@Inject(getCoordinatorToken(store))`, started on application bootstrap and drained on shutdown
 * (call `app.enableShutdownHooks()` so SIGTERM closes the application).
 * @example
 * PolecatModule.forRoot({ coordinators: [projectionCoordinator('HotCold', { shards, createLock })] })
 */
export class PolecatModule {
  /** Registers the coordinators known up front. */
  static forRoot(options: PolecatModuleOptions & { readonly isGlobal?: boolean }): DynamicModule {
    const stores = toRegistry(options.coordinators).stores();
    return {
      module: PolecatModule,
      global: options.isGlobal ?? false,
      providers: [{ provide: POLECAT_MODULE_OPTIONS, useValue: options }, ...coordinatorProviders(stores, false)],
      exports: exportsOf(stores),
    };
  }

  /** Registers coordinators built by a factory (e.g. from `ConfigService`); declare their `stores` up front. */
  static forRootAsync(options: PolecatModuleAsyncOptions): DynamicModule {
    const stores = options.stores ?? ['default'];
    if (stores.length === 0 || new Set(stores).size !== stores.length) {
      throw new DiAdapterError('INVALID_CONFIGURATION', `forRootAsync stores must be a non-empty list of distinct names, got [${stores.join(', ')}]`);
    }
    const factory = options.useFactory;
    return {
      module: PolecatModule,
      global: options.isGlobal ?? false,
      imports: [...(options.imports ?? [])],
      providers: [
        {
          provide: POLECAT_MODULE_OPTIONS,
          inject: [...(options.inject ?? [])],
          useFactory: (...args: unknown[]) => factory(...(args as never[])),
        },
        ...coordinatorProviders(stores, true),
      ],
      exports: exportsOf(stores),
    };
  }
}

Module({})(PolecatModule);
