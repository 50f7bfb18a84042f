import type { ProjectionCoordinator } from '@polecat/coordinator';
import { asFunction, type AwilixContainer } from 'awilix';
import { drainCoordinators, startCoordinators } from '../coordinator-lifecycle';
import type { CoordinatorRegistration } from '../coordinator-registration';
import { toRegistry, type RegistrationsInput } from '../registrations-input';
import { coordinatorName } from './coordinator-name';

/** Options of {@link registerProjectionCoordinators}. */
export interface AwilixRegistrationOptions {
  /** Registration name per store. Default {@link coordinatorName}`(store)`. */
  readonly names?: Readonly<Record<string, string>>;
}

/** What {@link registerProjectionCoordinators} returns: the registered names and their lifecycle. */
export interface AwilixCoordinators extends AsyncDisposable {
  /** Registration names by store. */
  readonly names: ReadonlyMap<string, string>;
  /** Resolves (builds) and starts every registered coordinator. */
  start(): Promise<void>;
  /** Stops (drains) every coordinator resolved so far; `container.dispose()` does the same. */
  stop(): Promise<void>;
}

/**
 * Registers one singleton `ProjectionCoordinator` per store in an Awilix container, with a
 * disposer: `container.dispose()` stops it (agents aborted, locks released, connections closed).
 * Nothing is built or started until resolved; call `start()` (or resolve and `start()` yourself).
 * @example
 * const coordinators = registerProjectionCoordinators(container, [projectionCoordinator('HotCold', { shards, createLock })]);
 * await coordinators.start();
 * // ... on shutdown
 * await container.dispose();
 */
export function registerProjectionCoordinators(
  container: AwilixContainer,
  registrations: RegistrationsInput,
  options: AwilixRegistrationOptions = {},
): AwilixCoordinators {
  const registry = toRegistry(registrations);
  const names = new Map<string, string>();
  for (const registration of registry.list()) {
    const name = options.names?.[registration.store] ?? coordinatorName(registration.store);
    names.set(registration.store, name);
    container.register(
      name,
      asFunction(() => registration.create())
        .singleton()
        .disposer((coordinator) => coordinator.stop()),
    );
  }
  const resolveAll = (): ProjectionCoordinator[] => [...names.values()].map((name) => container.resolve<ProjectionCoordinator>(name));
  const stop = async (): Promise<void> => {
    const resolved = [...names.values()].flatMap((name) => {
      const cached = container.cache.get(name)?.value as ProjectionCoordinator | undefined;
      return cached === undefined ? [] : [cached];
    });
    await drainCoordinators(resolved);
  };
  return {
    names,
    start: () => startCoordinators(resolveAll()),
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
  await startCoordinators(names.map((name) => container.resolve<ProjectionCoordinator>(name)));
}
