import type { DaemonMode, ProjectionCoordinator } from '@polecat/coordinator';
import { DEFAULT_STORE, type CoordinatorOptions } from './coordinator-options';
import { createProjectionCoordinator } from './create-projection-coordinator';
import { DiAdapterError } from './errors';

/** The two ways to run a store's shards, as in the original. */
export const REGISTRATION_KINDS = [
  /** `addProjectionCoordinator(mode)`: shards spread over the nodes by locks (HotCold), or Solo/Disabled. */
  'projection-coordinator',
  /** `addAsyncDaemon()`: every node runs every shard, no locks (one node only). */
  'async-daemon',
] as const;

/** One of {@link REGISTRATION_KINDS}. */
export type RegistrationKind = (typeof REGISTRATION_KINDS)[number];

/** A store's coordinator, described but not built: what the DI adapters register. */
export interface CoordinatorRegistration {
  readonly kind: RegistrationKind;
  /** The store name (default `'default'`). */
  readonly store: string;
  readonly mode: DaemonMode;
  readonly options: CoordinatorOptions;
  /** Builds a new (not started) coordinator; called once per container/module. */
  create(): ProjectionCoordinator;
}

function assertStore(store: unknown): asserts store is string {
  if (typeof store !== 'string' || store.trim() === '') {
    throw new DiAdapterError('INVALID_CONFIGURATION', `store must be a non-empty string, got ${JSON.stringify(store)}`);
  }
}

/**
 * The original's `AddProjectionCoordinator(mode)` as a value: `HotCold` spreads shards over nodes
 * by database locks (SingleTenant for one database, MultiTenanted for several), `Solo` runs all of
 * them here without locks, `Disabled` runs nothing and touches no database. Pass `store` for an
 * extra store (its own coordinator, token and name).
 * @example projectionCoordinator('HotCold', { store: 'orders', shards, createLock })
 */
export function projectionCoordinator(mode: DaemonMode, options: CoordinatorOptions = {}): CoordinatorRegistration {
  const store = options.store ?? DEFAULT_STORE;
  assertStore(store);
  return Object.freeze({ kind: 'projection-coordinator', store, mode, options, create: () => createProjectionCoordinator(mode, options) });
}

/** Options of {@link asyncDaemon}: no locks, so no `createLock` or `distributor`. */
export type AsyncDaemonOptions = Omit<CoordinatorOptions, 'createLock' | 'distributor' | 'lockIdStrategy' | 'policy'> & {
  /** `'Solo'` (default) runs every shard here; `'Disabled'` runs nothing (e.g. on web-only nodes). */
  readonly mode?: 'Solo' | 'Disabled';
};

/**
 * The original's `AddAsyncDaemon()`: EVERY node runs EVERY shard, no locks (a `SoloProjectionDistributor`).
 * Only safe with a single node; use {@link projectionCoordinator} `('HotCold')` to coordinate several.
 * @example asyncDaemon({ shards: { Trip: runTrips } })
 */
export function asyncDaemon(options: AsyncDaemonOptions = {}): CoordinatorRegistration {
  const store = options.store ?? DEFAULT_STORE;
  assertStore(store);
  const { mode = 'Solo', ...rest } = options;
  if (mode !== 'Solo' && mode !== 'Disabled') {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `addAsyncDaemon mode must be 'Solo' or 'Disabled', got ${String(mode)}; for HotCold use addProjectionCoordinator('HotCold')`,
    );
  }
  return Object.freeze({ kind: 'async-daemon', store, mode, options: rest, create: () => createProjectionCoordinator(mode, rest) });
}
