import { assertSupportedNode } from '../internal/supported-node';

assertSupportedNode(); // one clear line on Node < 20.19 (engines alone only warns)

export { coordinatorName } from './coordinator-name';
export {
  registerProjectionCoordinator,
  registerProjectionCoordinators,
  startProjectionCoordinators,
  type AwilixCoordinators,
  type AwilixRegistrationOptions,
} from './register-projection-coordinators';
