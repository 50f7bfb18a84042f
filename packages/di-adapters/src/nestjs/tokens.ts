import { DEFAULT_STORE } from '../coordinator-options';

/** Injection token of the module options (`PolecatModuleOptions`). */
export const POLECAT_MODULE_OPTIONS = 'polecat:module-options';

/** Injection token of every coordinator of the module: a `ReadonlyMap<store, ProjectionCoordinator>`. */
export const POLECAT_COORDINATORS = 'polecat:coordinators';

/**
 * The injection token of a store's `ProjectionCoordinator`.
 * @param store default `'default'`.
 * @example constructor(@Inject(getCoordinatorToken('orders')) private readonly orders: ProjectionCoordinator) {}
 */
export function getCoordinatorToken(store: string = DEFAULT_STORE): string {
  return `polecat:coordinator:${store}`;
}
