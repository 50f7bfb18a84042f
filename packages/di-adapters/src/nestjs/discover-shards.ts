import type { AgentFunction } from '@polecat/coordinator';
import { Scope, type Type } from '@nestjs/common';
import type { DiscoveryService, ModulesContainer } from '@nestjs/core';
import { DEFAULT_STORE } from '../coordinator-options';
import type { CoordinatorRegistration } from '../coordinator-registration';
import { DiAdapterError } from '../errors';
import { SHARD_METADATA_KEY, shardMetadataOf, type ShardHandler } from './shard-decorator';

type Wrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** Provided by every `forRoot` / `forRootAsync` module (token `POLECAT_ROOT`): which stores it runs. */
export interface RootMarker {
  readonly stores: readonly { readonly store: string; readonly label?: string }[];
}

/** Provided by every `forFeature` module (token `POLECAT_FEATURE`). */
export interface FeatureMarker {
  readonly store: string;
  readonly shards: readonly Type<unknown>[];
}

/** Injection token of a root module's {@link RootMarker} (internal). */
export const POLECAT_ROOT = 'polecat:root';
/** Injection token of a feature module's {@link FeatureMarker} (internal). */
export const POLECAT_FEATURE = 'polecat:feature';

/** How a registration reads in messages: `projectionCoordinator('HotCold')`, `asyncDaemon()`. */
export function labelOf(registration: CoordinatorRegistration): string {
  return registration.kind === 'async-daemon'
    ? `asyncDaemon(${registration.mode === 'Solo' ? '' : `{ mode: '${registration.mode}' }`})`
    : `projectionCoordinator('${registration.mode}')`;
}

function valuesOf<T>(discovery: DiscoveryService, token: string): { readonly value: T; readonly wrapper: Wrapper }[] {
  return discovery
    .getProviders()
    .filter((wrapper) => wrapper.token === token && wrapper.instance !== undefined && wrapper.instance !== null)
    .map((wrapper) => ({ value: wrapper.instance as T, wrapper }));
}

/**
 * One coordinator per store per application: refuses a store that a second `PolecatModule.forRoot`
 * / `forRootAsync` in the same application also registers (`CONFLICTING_REGISTRATION` when the two
 * differ in kind or mode, `DUPLICATE_REGISTRATION` otherwise).
 */
export function assertOneRootPerStore(discovery: DiscoveryService, own: RootMarker, registrations: readonly CoordinatorRegistration[]): void {
  const ownLabels = new Map(registrations.map((registration) => [registration.store, labelOf(registration)]));
  for (const { value: other } of valuesOf<RootMarker>(discovery, POLECAT_ROOT)) {
    if (other === own) continue;
    for (const { store, label } of other.stores) {
      const mine = ownLabels.get(store);
      if (mine === undefined) continue;
      const clash = label !== undefined && label !== mine;
      throw new DiAdapterError(
        clash ? 'CONFLICTING_REGISTRATION' : 'DUPLICATE_REGISTRATION',
        `Store "${store}" is registered by two PolecatModule.forRoot/forRootAsync imports (${mine} and ${label ?? 'a forRootAsync factory'}); ` +
          `that would run its shards twice in this process. Import PolecatModule.forRoot once (e.g. in AppModule, isGlobal: true), ` +
          `pick one mode for the store, and add shards from feature modules with PolecatModule.forFeature({ store, shards }).`,
      );
    }
  }
}

function storeOf(wrapper: Wrapper, features: readonly { readonly value: FeatureMarker; readonly wrapper: Wrapper }[]): string {
  const metadata = shardMetadataOf(wrapper.metatype)!;
  const feature = features.find(({ value, wrapper: marker }) => marker.host === wrapper.host && value.shards.includes(wrapper.metatype as Type<unknown>));
  if (feature !== undefined && metadata.store !== undefined && metadata.store !== feature.value.store) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `Shard provider ${wrapper.name} says @Shard('${metadata.name}', { store: '${metadata.store}' }) but forFeature lists it for store "${feature.value.store}"; make them agree`,
    );
  }
  return metadata.store ?? feature?.value.store ?? DEFAULT_STORE;
}

/** `TripShard in TripsModule`, or `TripShard (forFeature in TripsModule)`. */
function describeProvider(modules: ModulesContainer, wrapper: Wrapper): string {
  const host = wrapper.host;
  if (host === undefined) return String(wrapper.name);
  if (host.metatype?.name !== 'PolecatFeatureModule') return `${String(wrapper.name)} in ${host.name}`;
  const importer = [...modules.values()].find((module) => module.imports.has(host));
  return `${String(wrapper.name)} (forFeature in ${importer?.name ?? 'an unknown module'})`;
}

/** The agents of the `@Shard` providers of the application, by store, and where each came from. */
export interface DiscoveredShards {
  readonly agents: ReadonlyMap<string, Readonly<Record<string, AgentFunction>>>;
  describe(store: string, name: string): string;
}

/**
 * Finds every `@Shard` provider of the application and turns it into an agent function that calls
 * the provider instance's `run(context)` (looked up when the shard starts, after every provider was
 * instantiated). A shard provider for a store no root module registers is `UNKNOWN_STORE`; the same
 * shard name twice in one store is `DUPLICATE_SHARD`; a request-scoped or transient shard, or one
 * without a `run` method, is `INVALID_CONFIGURATION`.
 */
export function discoverShards(discovery: DiscoveryService, modules: ModulesContainer, knownStores: ReadonlySet<string>): DiscoveredShards {
  const features = valuesOf<FeatureMarker>(discovery, POLECAT_FEATURE);
  const agents = new Map<string, Record<string, AgentFunction>>();
  const origins = new Map<string, string>();
  for (const wrapper of discovery.getProviders({ metadataKey: SHARD_METADATA_KEY })) {
    const metadata = shardMetadataOf(wrapper.metatype);
    if (metadata === undefined) continue;
    const store = storeOf(wrapper, features);
    const where = describeProvider(modules, wrapper);
    if (!knownStores.has(store)) {
      throw new DiAdapterError(
        'UNKNOWN_STORE',
        `Shard provider ${where} belongs to store "${store}", which no PolecatModule.forRoot/forRootAsync registers (registered: ${[...knownStores].join(', ') || 'none'})`,
      );
    }
    if (wrapper.scope !== undefined && wrapper.scope !== Scope.DEFAULT) {
      throw new DiAdapterError(
        'INVALID_CONFIGURATION',
        `Shard provider ${where} is request-scoped or transient; a shard runs for as long as this node owns it: make it a default-scoped (singleton) provider`,
      );
    }
    const prototype = (wrapper.metatype as { prototype?: Partial<ShardHandler> } | null)?.prototype;
    if (typeof prototype?.run !== 'function') {
      throw new DiAdapterError('INVALID_CONFIGURATION', `Shard provider ${where} has no run(context) method`);
    }
    const forStore = agents.get(store) ?? {};
    agents.set(store, forStore);
    const key = `${store}\u0000${metadata.name}`;
    if (metadata.name in forStore) {
      throw new DiAdapterError('DUPLICATE_SHARD', `Store "${store}" declares shard "${metadata.name}" twice: ${origins.get(key)} and ${where}; keep one`);
    }
    origins.set(key, where);
    forStore[metadata.name] = (context) => {
      const instance = (wrapper.host?.providers.get(wrapper.token)?.instance ?? wrapper.instance) as ShardHandler | undefined;
      if (instance === undefined || instance === null) {
        return Promise.reject(new DiAdapterError('INVALID_CONFIGURATION', `Shard provider ${where} was not instantiated`));
      }
      return instance.run(context);
    };
  }
  return { agents, describe: (store, name) => origins.get(`${store}\u0000${name}`) ?? name };
}

/** Every store some root module of the application registers. */
export function storesOfAllRoots(discovery: DiscoveryService): ReadonlySet<string> {
  return new Set(valuesOf<RootMarker>(discovery, POLECAT_ROOT).flatMap(({ value }) => value.stores.map(({ store }) => store)));
}
