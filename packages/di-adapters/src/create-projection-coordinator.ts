import { loggerOrStderr } from '@polecat/kit';
import { ProjectionCoordinator, createFunctionDaemonFactory, isDaemonMode, type DaemonMode } from '@polecat/coordinator';
import {
  MultiTenantedProjectionDistributor,
  SingleTenantProjectionDistributor,
  SoloProjectionDistributor,
  type ProjectionDistributor,
} from '@polecat/distributors';
import { DEFAULT_DATABASES, DEFAULT_STORE, type CoordinatorOptions } from './coordinator-options';
import { DiAdapterError } from './errors';
import { checkDatabases, checkLogger } from './internal/check-options';
import { readShards } from './internal/shards';

/**
 * The distributor the original picks for `mode`: Solo for `Solo` (no locks); for `HotCold`,
 * SingleTenant (one lock per shard) when there is exactly one database, MultiTenanted (one lock per
 * database) when there are several or the list is a function. `undefined` for `Disabled`.
 * A ready `options.distributor` is returned unchanged.
 * @throws DiAdapterError `INVALID_CONFIGURATION` (HotCold without `createLock`, missing shards).
 */
export function createDistributor(mode: DaemonMode, options: CoordinatorOptions): ProjectionDistributor | undefined {
  const store = options.store ?? DEFAULT_STORE;
  if (!isDaemonMode(mode)) {
    throw new DiAdapterError('INVALID_CONFIGURATION', `Store "${store}": mode must be 'Disabled', 'Solo' or 'HotCold', got ${String(mode)}`);
  }
  checkLogger(options.logger, store);
  if (mode === 'Disabled') return undefined;
  if (options.distributor !== undefined) return options.distributor;
  checkDatabases(options.databases, store);
  const { names } = readShards(options.shards, store);
  const common = {
    databases: options.databases ?? DEFAULT_DATABASES,
    shards: names,
    ...(options.settings?.daemonLockId === undefined ? {} : { daemonLockId: options.settings.daemonLockId }),
    ...(options.logger === undefined || options.logger === false ? {} : { logger: options.logger }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  };
  if (mode === 'Solo') return new SoloProjectionDistributor(common);
  const { createLock, createHomeLock } = options;
  if (typeof createLock !== 'function' && typeof createHomeLock !== 'function') {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `Store "${store}": HotCold needs createLock: (database) => AppLock (or createHomeLock with lockHost, or a ready distributor); for one node without locks use addAsyncDaemon()`,
    );
  }
  const databases = common.databases;
  const locks = {
    ...(typeof createLock === 'function' ? { createLock } : {}),
    ...(options.lockHost === undefined ? {} : { lockHost: options.lockHost }),
    ...(createHomeLock === undefined ? {} : { createHomeLock }),
  };
  if (Array.isArray(databases) && databases.length === 1) return new SingleTenantProjectionDistributor({ ...common, ...locks });
  return new MultiTenantedProjectionDistributor({
    ...common,
    ...locks,
    storeName: store,
    ...(options.lockIdStrategy === undefined ? {} : { lockIdStrategy: options.lockIdStrategy }),
  });
}

/**
 * Builds (does not start) the coordinator of one store: the distributor for `mode` (see
 * {@link createDistributor}) and one `FunctionAgentDaemon` per database running `options.shards`
 * (or `options.daemonFor`). `Disabled` builds a coordinator that touches no database: no
 * distributor, no lock, `createLock` never called.
 * @example
 * const coordinator = createProjectionCoordinator('HotCold', {
 *   shards: { Trip: async ({ signal }) => runTrips(signal) },
 *   createLock: () => new PostgresAppLock(url),
 * });
 * await coordinator.start();
 */
export function createProjectionCoordinator(mode: DaemonMode, given: CoordinatorOptions = {}): ProjectionCoordinator {
  if (typeof given !== 'object' || given === null)
    throw new DiAdapterError('INVALID_CONFIGURATION', `options must be an object, got ${given === null ? 'null' : typeof given}`);
  const store = given.store ?? DEFAULT_STORE;
  checkLogger(given.logger, store);
  // ONE logger for the distributor, the daemons and the coordinator: none given is stderr, not silence
  const options: CoordinatorOptions = { ...given, logger: loggerOrStderr(given.logger) };
  const shared = {
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  };
  const distributor = createDistributor(mode, options);
  if (distributor === undefined) return new ProjectionCoordinator({ mode: 'Disabled', ...shared });
  let daemonFor = options.daemonFor;
  if (daemonFor === undefined) {
    const { agents } = readShards(options.shards, store);
    if (agents === undefined) {
      throw new DiAdapterError(
        'INVALID_CONFIGURATION',
        `Store "${store}": shards given as a list of names need daemonFor; or pass shards as { name: agentFunction }`,
      );
    }
    const stopDrainTimeoutMs = options.settings?.stopDrainTimeoutMs;
    daemonFor = createFunctionDaemonFactory(agents, {
      ...(stopDrainTimeoutMs === undefined ? {} : { drainTimeoutMs: stopDrainTimeoutMs }),
      ...(options.logger === undefined || options.logger === false ? {} : { logger: options.logger }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  }
  return new ProjectionCoordinator({
    mode,
    distributor,
    daemonFor,
    ...shared,
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    ...(options.ownershipIntents === undefined ? {} : { ownershipIntents: options.ownershipIntents }),
  });
}
