import { DEFAULT_STORE } from '../coordinator-options';

/**
 * The Awilix registration name of a store's coordinator: `projectionCoordinator` for the default
 * store, `<camelCasedStore>ProjectionCoordinator` otherwise (so it destructures from the cradle).
 * @example coordinatorName() // 'projectionCoordinator'
 * @example coordinatorName('order-events') // 'orderEventsProjectionCoordinator'
 */
export function coordinatorName(store: string = DEFAULT_STORE): string {
  if (store === DEFAULT_STORE) return 'projectionCoordinator';
  const words = store.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
  const camel = words.map((word, i) => (i === 0 ? word.charAt(0).toLowerCase() : word.charAt(0).toUpperCase()) + word.slice(1)).join('');
  return `${camel}ProjectionCoordinator`;
}
