import type { ProjectionCoordinator } from '@polecat/coordinator';
import type { AwilixContainer } from 'awilix';
import { drainCoordinators, type DrainResult } from '../coordinator-lifecycle';
import { CoordinatorRegistry } from '../coordinator-registry';
import { DiAdapterError } from '../errors';

/** What one root container holds of ours: every registration made on it and the names they use. */
export interface ContainerState {
  readonly registry: CoordinatorRegistry;
  /** Registration name by store, over every `registerProjectionCoordinators` call on the container. */
  readonly names: Map<string, string>;
  drainTimeoutMs: number | undefined;
}

const states = new WeakMap<AwilixContainer, ContainerState>();

/**
 * `true` for a container made by `createScope()`. Awilix caches a singleton registered on a scope
 * in the ROOT container, so `scope.dispose()` would never stop it; Awilix exposes no parent, so this
 * reads the family tree it keeps under its `familyTree` symbol (Awilix 10 to 13).
 */
export function isScope(container: AwilixContainer): boolean {
  const symbol = Object.getOwnPropertySymbols(container).find((s) => s.description === 'familyTree');
  const tree = symbol === undefined ? undefined : (container as unknown as Record<symbol, unknown>)[symbol];
  return Array.isArray(tree) && tree.length > 1;
}

/** The coordinators of `names` that the container has built so far. */
export function resolvedCoordinators(container: AwilixContainer, names: Iterable<string>): ProjectionCoordinator[] {
  return [...names].flatMap((name) => {
    const cached = container.cache.get(name)?.value as ProjectionCoordinator | undefined;
    return cached === undefined ? [] : [cached];
  });
}

/** A `DRAIN_FAILED` error carrying every error of a failed drain (as an `AggregateError` cause). */
export function drainError(result: DrainResult, what: string): DiAdapterError {
  const messages = result.errors.map((error) => (error instanceof Error ? error.message : String(error)));
  return new DiAdapterError('DRAIN_FAILED', `${what} did not drain cleanly: ${messages.join('; ')}`, {
    cause: new AggregateError(result.errors, `${result.errors.length} error(s) while draining`),
  });
}

/**
 * The state of `container`, created on first use. Creating it also wraps `container.dispose()` so
 * that it first stops (drains) every coordinator the container built, THEN disposes the rest:
 * Awilix starts all disposers at once, in resolution order, so a pool resolved before the
 * coordinator would be ended while the coordinator's agents still run their last batch. Drain
 * errors are thrown from `dispose()` (after everything else was disposed).
 */
export function containerState(container: AwilixContainer): ContainerState {
  const existing = states.get(container);
  if (existing !== undefined) return existing;
  const created: ContainerState = { registry: new CoordinatorRegistry(), names: new Map(), drainTimeoutMs: undefined };
  states.set(container, created);
  const dispose = container.dispose.bind(container);
  const orderedDispose = async (): Promise<void> => {
    const result = await drainCoordinators(resolvedCoordinators(container, created.names.values()), created.drainTimeoutMs);
    await dispose();
    if (!result.ok) throw drainError(result, 'container.dispose(): the projection coordinators');
  };
  (container as { dispose: () => Promise<void> }).dispose = orderedDispose;
  return created;
}
