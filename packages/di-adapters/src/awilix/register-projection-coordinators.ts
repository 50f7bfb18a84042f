import type { ProjectionCoordinator } from '@polecat/coordinator';
import { asFunction, type AwilixContainer } from 'awilix';
import { drainCoordinators, startCoordinators } from '../coordinator-lifecycle';
import type { CoordinatorRegistration } from '../coordinator-registration';
import { DiAdapterError } from '../errors';
import { toRegistry, type RegistrationsInput } from '../registrations-input';
import { coordinatorName } from './coordinator-name';
import { containerState, drainError, isScope, resolvedCoordinators } from './container-state';

/** Options of {@link registerProjectionCoordinators}. */
export interface AwilixRegistrationOptions {
  /** Registration name per store. Default {@link coordinatorName}`(store)`. */
  readonly names?: Readonly<Record<string, string>>;
  /** Overall deadline for draining in `stop()` / `container.dispose()`. Default: none (each coordinator's `stopDrainTimeoutMs` bounds it). */
  readonly drainTimeoutMs?: number;
}

/** What {@link registerProjectionCoordinators} returns: the registered names and their lifecycle. */
export interface AwilixCoordinators extends AsyncDisposable {
  /** Registration names by store. */
  readonly names: ReadonlyMap<string, string>;
  /** Checks the stores of the container (`SHARED_LOCK_ID`), then resolves (builds) and starts these coordinators. */
  start(): Promise<void>;
  /**
   * Stops (drains) these coordinators, if resolved; `container.dispose()` does the same first.
   * @throws DiAdapterError `DRAIN_FAILED` (cause: an `AggregateError` of what failed) once all stopped.
   */
  stop(): Promise<void>;
}

/**
 * Registers one singleton `ProjectionCoordinator` per store in an Awilix ROOT container, and makes
 * `container.dispose()` stop every coordinator (agents aborted and awaited, locks released,
 * connections closed) BEFORE it disposes anything else, so the pools your agents use are still open
 * for their last batch; drain errors reject `container.dispose()`.
 * Nothing is built or started until resolved; call `start()` (or resolve and `start()` yourself).
 * Calling it again on the same container adds stores: one registration per store per container.
 * @throws DiAdapterError `NAME_COLLISION` (two stores derive one name, or the name is taken),
 *   `SCOPED_CONTAINER` (a `createScope()` container), `CONFLICTING_REGISTRATION` / `DUPLICATE_REGISTRATION`
 *   (a store registered again, also across calls).
 * @example
 * const coordinators = registerProjectionCoordinators(container, [projectionCoordinator('HotCold', { shards, createLock })]);
 * await coordinators.start();
 * // ... on shutdown
 * await container.dispose(); // coordinators first, then the pool
 */
export function registerProjectionCoordinators(
  container: AwilixContainer,
  registrations: RegistrationsInput,
  options: AwilixRegistrationOptions = {},
): AwilixCoordinators {
  if (isScope(container)) {
    throw new DiAdapterError(
      'SCOPED_CONTAINER',
      'registerProjectionCoordinators needs the root container: a coordinator lives as long as the process, and a singleton ' +
        'registered on a scope is cached in the root, so scope.dispose() would leave it running. Register on the root container.',
    );
  }
  const incoming = toRegistry(registrations).list();
  const state = containerState(container);
  const names = new Map<string, string>();
  const taken = new Map([...state.names].map(([store, name]) => [name, store]));
  for (const registration of incoming) {
    const name = options.names?.[registration.store] ?? coordinatorName(registration.store);
    const owner = taken.get(name) ?? names.get(registration.store);
    if (owner !== undefined && owner !== registration.store) {
      throw new DiAdapterError(
        'NAME_COLLISION',
        `Stores "${owner}" and "${registration.store}" both map to the Awilix name "${name}"; give one its own name: { names: { '${registration.store}': '<name>' } }`,
      );
    }
    if (owner === undefined && container.hasRegistration(name)) {
      throw new DiAdapterError(
        'NAME_COLLISION',
        `The Awilix name "${name}" for store "${registration.store}" is already registered; pass { names: { '${registration.store}': '<name>' } }`,
      );
    }
    taken.set(name, registration.store);
    names.set(registration.store, name);
  }
  // validated as a whole first (store conflicts across calls), registered only then
  toRegistry([...state.registry.list(), ...incoming]);
  for (const registration of incoming) {
    state.registry.add(registration);
    state.names.set(registration.store, names.get(registration.store)!);
    container.register(
      names.get(registration.store)!,
      asFunction(() => registration.create())
        .singleton()
        .disposer((coordinator) => coordinator.stop().catch(() => {})), // a safety net: the wrapped dispose() drained it and reports its errors
    );
  }
  if (options.drainTimeoutMs !== undefined) state.drainTimeoutMs = options.drainTimeoutMs;
  const stop = async (): Promise<void> => {
    const result = await drainCoordinators(resolvedCoordinators(container, names.values()), options.drainTimeoutMs);
    if (!result.ok) throw drainError(result, `Coordinators ${[...names.keys()].join(', ')}`);
  };
  return {
    names,
    start: async () => {
      await state.registry.validate();
      await startCoordinators([...names.values()].map((name) => container.resolve<ProjectionCoordinator>(name)));
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/**
 * Registers ONE store's coordinator (see {@link registerProjectionCoordinators}).
 * @param name default {@link coordinatorName}`(registration.store)`.
 */
export function registerProjectionCoordinator(container: AwilixContainer, registration: CoordinatorRegistration, name?: string): AwilixCoordinators {
  return registerProjectionCoordinators(container, [registration], name === undefined ? {} : { names: { [registration.store]: name } });
}

/**
 * Resolves and starts every coordinator registered under `names` (default: the default store's).
 * @example await startProjectionCoordinators(container)
 */
export async function startProjectionCoordinators(container: AwilixContainer, names: readonly string[] = [coordinatorName()]): Promise<void> {
  await containerState(container).registry.validate();
  await startCoordinators(names.map((name) => container.resolve<ProjectionCoordinator>(name)));
}
