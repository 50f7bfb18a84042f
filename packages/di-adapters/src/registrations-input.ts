import type { CoordinatorRegistration } from './coordinator-registration';
import { CoordinatorRegistry } from './coordinator-registry';

/** What the adapters accept: a `CoordinatorRegistry`, a list of registrations (`projectionCoordinator(...)`, `asyncDaemon(...)`), or one. */
export type RegistrationsInput = CoordinatorRegistry | readonly CoordinatorRegistration[] | CoordinatorRegistration;

/** Normalises (and validates: one registration per store) {@link RegistrationsInput} into a validated registry. */
export function toRegistry(input: RegistrationsInput): CoordinatorRegistry {
  if (CoordinatorRegistry.is(input)) return input;
  if (Array.isArray(input)) return new CoordinatorRegistry(input as readonly CoordinatorRegistration[]);
  return new CoordinatorRegistry([input as CoordinatorRegistration]);
}
