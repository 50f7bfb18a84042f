import { Inject } from '@nestjs/common';
import { getCoordinatorToken } from './tokens';

/**
 * Injects a store's `ProjectionCoordinator`.
 * @param store default `'default'`.
 * @example constructor(@InjectCoordinator('orders') private readonly orders: ProjectionCoordinator) {}
 */
export function InjectCoordinator(store?: string): PropertyDecorator & ParameterDecorator {
  return Inject(getCoordinatorToken(store));
}
