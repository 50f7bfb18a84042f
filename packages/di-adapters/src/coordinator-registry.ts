import type { DaemonMode, ProjectionCoordinator } from '@polecat/coordinator';
import type { CoordinatorOptions } from './coordinator-options';
import { asyncDaemon, projectionCoordinator, type AsyncDaemonOptions, type CoordinatorRegistration } from './coordinator-registration';
import { DiAdapterError } from './errors';
import { assertNoSharedLockIds } from './shared-lock-ids';

const registryBrand = Symbol.for('@polecat/di-adapters/CoordinatorRegistry');

/**
 * The registration surface of the original (`services.AddProjectionCoordinator(mode)`,
 * `AddProjectionCoordinator<TStore>(mode)`, `AddAsyncDaemon()`), framework-neutral: collect
 * registrations, then hand the registry to `PolecatModule.forRoot`, `registerProjectionCoordinators`
 * (Awilix) or `runHost`. At most one registration per store; registering both a coordinator and
 * an async daemon for one store throws `CONFLICTING_REGISTRATION`.
 * @example
 * const registry = new CoordinatorRegistry()
 *   .addProjectionCoordinator('HotCold', { shards, createLock })
 *   .addProjectionCoordinator('HotCold', { store: 'orders', shards: orderShards, createLock });
 */
export class CoordinatorRegistry {
  readonly [registryBrand] = true;
  readonly #registrations = new Map<string, CoordinatorRegistration>();

  constructor(registrations: Iterable<CoordinatorRegistration> = []) {
    for (const registration of registrations) this.add(registration);
  }

  /** `true` for a {@link CoordinatorRegistry} (from any copy of this package). */
  static is(value: unknown): value is CoordinatorRegistry {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[registryBrand] === true;
  }

  /** A registry from a registry or a list of registrations (validated). */
  static from(source: CoordinatorRegistry | Iterable<CoordinatorRegistration>): CoordinatorRegistry {
    return CoordinatorRegistry.is(source) ? source : new CoordinatorRegistry(source);
  }

  /** Registers the coordinator of a store (see `projectionCoordinator`). */
  addProjectionCoordinator(mode: DaemonMode, options: CoordinatorOptions = {}): this {
    return this.add(projectionCoordinator(mode, options));
  }

  /** Registers an uncoordinated async daemon for a store: every node runs every shard (see `asyncDaemon`). */
  addAsyncDaemon(options: AsyncDaemonOptions = {}): this {
    return this.add(asyncDaemon(options));
  }

  /**
   * Adds a registration.
   * @throws DiAdapterError `CONFLICTING_REGISTRATION` when the store already has the other kind;
   *   `DUPLICATE_REGISTRATION` when it already has the same kind.
   */
  add(registration: CoordinatorRegistration): this {
    const existing = this.#registrations.get(registration.store);
    if (existing !== undefined) {
      const label = `store "${registration.store}"`;
      if (existing.kind !== registration.kind) {
        throw new DiAdapterError(
          'CONFLICTING_REGISTRATION',
          `Both addProjectionCoordinator and addAsyncDaemon were registered for ${label}; pick one: ` +
            `addProjectionCoordinator('HotCold') to spread the shards over several nodes with database locks, ` +
            `or addAsyncDaemon() to run every shard on this node without locks (single node only).`,
        );
      }
      const what = registration.kind === 'async-daemon' ? 'addAsyncDaemon' : 'addProjectionCoordinator';
      throw new DiAdapterError(
        'DUPLICATE_REGISTRATION',
        `${what} was registered twice for ${label}; register it once, or give the second one its own { store: '<name>' }.`,
      );
    }
    this.#registrations.set(registration.store, registration);
    return this;
  }

  /** The registrations, in order. */
  list(): readonly CoordinatorRegistration[] {
    return [...this.#registrations.values()];
  }

  /** The registered store names, in order. */
  stores(): readonly string[] {
    return [...this.#registrations.keys()];
  }

  /** The registration of `store`; throws `UNKNOWN_STORE` when none. */
  get(store: string): CoordinatorRegistration {
    const registration = this.#registrations.get(store);
    if (registration === undefined) {
      throw new DiAdapterError('UNKNOWN_STORE', `No coordinator is registered for store "${store}" (registered: ${this.stores().join(', ') || 'none'})`);
    }
    return registration;
  }

  /**
   * Checks what can only be checked across stores: no two stores take the same lock id in one
   * database (see `assertNoSharedLockIds`). The adapters call it before they start anything.
   * @throws DiAdapterError `SHARED_LOCK_ID`.
   */
  validate(): Promise<void> {
    return assertNoSharedLockIds(this.list());
  }

  /** Builds one new (not started) coordinator per store. */
  createAll(): ReadonlyMap<string, ProjectionCoordinator> {
    return new Map(this.list().map((registration) => [registration.store, registration.create()]));
  }
}
