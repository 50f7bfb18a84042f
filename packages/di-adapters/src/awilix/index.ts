export { coordinatorName } from './coordinator-name';
export {
  registerProjectionCoordinator,
  registerProjectionCoordinators,
  startProjectionCoordinators,
  type AwilixCoordinators,
  type AwilixRegistrationOptions,
} from './register-projection-coordinators';
