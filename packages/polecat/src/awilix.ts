export {
  coordinatorName,
  registerProjectionCoordinator,
  registerProjectionCoordinators,
  startProjectionCoordinators,
  type AwilixCoordinators,
  type AwilixRegistrationOptions,
} from '@polecat/di-adapters/awilix';
