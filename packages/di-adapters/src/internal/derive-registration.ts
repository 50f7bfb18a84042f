import type { AgentFunction } from '@polecat/coordinator';
import type { CoordinatorOptions } from '../coordinator-options';
import type { CoordinatorRegistration } from '../coordinator-registration';
import { createProjectionCoordinator } from '../create-projection-coordinator';
import { DiAdapterError } from '../errors';

/** The same registration (kind, store, mode) built from other options. */
export function deriveRegistration(registration: CoordinatorRegistration, options: CoordinatorOptions): CoordinatorRegistration {
  const { kind, store, mode } = registration;
  return Object.freeze({ kind, store, mode, options, create: () => createProjectionCoordinator(mode, options) });
}

/**
 * `registration` with more agents (e.g. shards discovered as NestJS providers) added to its own.
 * @throws DiAdapterError `DUPLICATE_SHARD` when a name is declared twice; `INVALID_CONFIGURATION`
 *   when the registration lists shard names for `daemonFor` (agents cannot be added to those).
 */
export function withAgents(
  registration: CoordinatorRegistration,
  agents: Readonly<Record<string, AgentFunction>>,
  describe: (name: string) => string,
): CoordinatorRegistration {
  const names = Object.keys(agents);
  if (names.length === 0) return registration;
  const own = registration.options.shards;
  if (Array.isArray(own)) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `Store "${registration.store}" lists its shards for daemonFor, so shard providers (${names.map(describe).join(', ')}) cannot be added to it`,
    );
  }
  const merged: Record<string, AgentFunction> = { ...(own as Readonly<Record<string, AgentFunction>> | undefined) };
  for (const name of names) {
    if (name in merged) {
      throw new DiAdapterError(
        'DUPLICATE_SHARD',
        `Store "${registration.store}" declares shard "${name}" twice (${describe(name)} and an agent in its registration); keep one`,
      );
    }
    merged[name] = agents[name]!;
  }
  return deriveRegistration(registration, { ...registration.options, shards: merged });
}
