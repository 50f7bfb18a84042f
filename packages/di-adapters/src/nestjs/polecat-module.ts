import type { ProjectionCoordinator } from '@polecat/coordinator';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, ModulesContainer } from '@nestjs/core';
import { DEFAULT_STORE } from '../coordinator-options';
import { DiAdapterError } from '../errors';
import { deriveRegistration, withAgents } from '../internal/derive-registration';
import { toRegistry } from '../registrations-input';
import { assertNoSharedLockIds } from '../shared-lock-ids';
import {
  POLECAT_FEATURE,
  POLECAT_ROOT,
  assertOneRootPerStore,
  discoverShards,
  labelOf,
  storesOfAllRoots,
  type FeatureMarker,
  type RootMarker,
} from './discover-shards';
import { toModuleLogger } from './nest-logger';
import { PolecatLifecycle } from './polecat-lifecycle';
import { PolecatConfigurableModule, type PolecatModuleAsyncOptions, type PolecatModuleRootOptions } from './polecat-module-definition';
import type { PolecatFeatureOptions, PolecatModuleOptions } from './polecat-module-options';
import { shardMetadataOf } from './shard-decorator';
import { POLECAT_COORDINATORS, POLECAT_MODULE_OPTIONS, getCoordinatorToken } from './tokens';

async function buildCoordinators(
  options: PolecatModuleOptions,
  discovery: DiscoveryService,
  modules: ModulesContainer,
  marker: RootMarker,
  declared: readonly string[] | undefined,
): Promise<ReadonlyMap<string, ProjectionCoordinator>> {
  const registry = toRegistry(options.coordinators);
  const registered = registry.stores();
  if (declared !== undefined && (registered.length !== declared.length || registered.some((store) => !declared.includes(store)))) {
    throw new DiAdapterError(
      'UNKNOWN_STORE',
      `PolecatModule.forRootAsync declared stores [${declared.join(', ')}] but the factory registered [${registered.join(', ')}]; list them in { stores: [...] }`,
    );
  }
  assertOneRootPerStore(discovery, marker, registry.list());
  const shards = discoverShards(discovery, modules, storesOfAllRoots(discovery));
  const logger = toModuleLogger(options.logger);
  const registrations = registry.list().map((registration) => {
    const withProviders = withAgents(registration, shards.agents.get(registration.store) ?? {}, (name) => shards.describe(registration.store, name));
    return withProviders.options.logger === undefined ? deriveRegistration(withProviders, { ...withProviders.options, logger }) : withProviders;
  });
  await assertNoSharedLockIds(registrations);
  return new Map(registrations.map((registration) => [registration.store, registration.create()]));
}

function withCoordinators(definition: DynamicModule, marker: RootMarker, declared: readonly string[] | undefined): DynamicModule {
  const stores = marker.stores.map(({ store }) => store);
  const all: Provider = {
    provide: POLECAT_COORDINATORS,
    inject: [POLECAT_MODULE_OPTIONS, DiscoveryService, ModulesContainer, POLECAT_ROOT],
    useFactory: (options: PolecatModuleOptions, discovery: DiscoveryService, modules: ModulesContainer, own: RootMarker) =>
      buildCoordinators(options, discovery, modules, own, declared),
  };
  const perStore = stores.map((store): Provider => ({
    provide: getCoordinatorToken(store),
    inject: [POLECAT_COORDINATORS],
    useFactory: (coordinators: ReadonlyMap<string, ProjectionCoordinator>) => coordinators.get(store),
  }));
  return {
    ...definition,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    providers: [...(definition.providers ?? []), { provide: POLECAT_ROOT, useValue: marker }, all, ...perStore, PolecatLifecycle],
    exports: [POLECAT_COORDINATORS, ...stores.map((store) => getCoordinatorToken(store))],
  };
}

/** A feature module made by `PolecatModule.forFeature`: provides and exports its shard classes. */
export class PolecatFeatureModule {}
Module({})(PolecatFeatureModule);

/**
 * The NestJS dynamic module: one `ProjectionCoordinator` per store per application, injectable with
 * `@InjectCoordinator(store)`, started on application bootstrap and drained on shutdown (call
 * `app.enableShutdownHooks()` so SIGTERM closes the application). Shards are `@Shard` provider
 * classes found by discovery in any module (or agent functions in the registration, or both).
 * @example
 * ```ts
 * PolecatModule.forRoot({ coordinators: projectionCoordinator('HotCold', { createLock }), isGlobal: true })
 * PolecatModule.forFeature({ shards: [TripShard, DayShard] }) // in a feature module
 * ```
 */
export class PolecatModule extends PolecatConfigurableModule {
  /** Registers the coordinators known up front. */
  static override forRoot(options: PolecatModuleRootOptions): DynamicModule {
    const registry = toRegistry(options.coordinators);
    const marker: RootMarker = { stores: registry.list().map((registration) => ({ store: registration.store, label: labelOf(registration) })) };
    return withCoordinators(super.forRoot(options), marker, undefined);
  }

  /**
   * Registers coordinators whose options come from `useFactory` (+ `inject`, `imports`), `useClass` or
   * `useExisting` (a {@link PolecatOptionsFactory}); declare their `stores` (default `['default']`).
   */
  static override forRootAsync(options: PolecatModuleAsyncOptions): DynamicModule {
    const stores = options.stores ?? [DEFAULT_STORE];
    if (stores.length === 0 || new Set(stores).size !== stores.length) {
      throw new DiAdapterError('INVALID_CONFIGURATION', `forRootAsync stores must be a non-empty list of distinct names, got [${stores.join(', ')}]`);
    }
    return withCoordinators(super.forRootAsync(options), { stores: stores.map((store) => ({ store })) }, stores);
  }

  /**
   * Adds `@Shard` provider classes to a store from a feature module: they are provided (their
   * dependencies come from `imports` and global modules) and exported; the store's `forRoot` runs
   * them. A `@Shard` class listed in any module's own `providers` is found as well.
   * @throws DiAdapterError `INVALID_CONFIGURATION` for a class without `@Shard`.
   */
  static forFeature(options: PolecatFeatureOptions): DynamicModule {
    const store = options.store ?? DEFAULT_STORE;
    for (const shard of options.shards) {
      if (shardMetadataOf(shard) === undefined) {
        throw new DiAdapterError('INVALID_CONFIGURATION', `PolecatModule.forFeature: ${shard.name} has no @Shard('<name>') decorator`);
      }
    }
    const marker: FeatureMarker = { store, shards: [...options.shards] };
    return {
      module: PolecatFeatureModule,
      imports: [...(options.imports ?? [])],
      providers: [...options.shards, { provide: POLECAT_FEATURE, useValue: marker }],
      exports: [...options.shards],
    };
  }
}

Module({})(PolecatModule);
