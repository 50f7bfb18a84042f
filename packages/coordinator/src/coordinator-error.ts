import { PolecatError, hasBrand } from '@polecat/kit';

/** Every error code raised by `@polecat/coordinator`. */
export const COORDINATOR_ERROR_CODES = [
  /** Settings or options are malformed (a negative interval, a missing distributor, ...). */
  'INVALID_CONFIGURATION',
  /** The coordinator (or daemon) was stopped or disposed; it cannot be started again. */
  'DISPOSED',
  /** A test awaiter (`whenOwned`, `whenStopped`) did not see its condition in time. */
  'TIMEOUT',
  /** A daemon has no agent for the shard it was asked to start. */
  'UNKNOWN_AGENT',
  /** An agent could not be started (the daemon rejected, or no fencing epoch could be obtained). */
  'AGENT_START_FAILED',
  /** A database could not be reached for its locks (connection refused, timed out, ...): `cause` holds the driver's error. */
  'DATABASE_UNREACHABLE',
  /**
   * A database refused the lock connection in a way no retry fixes (authentication, a missing
   * database, a pooler in transaction mode, invalid configuration): `cause` holds the lock error;
   * the message says what to fix. `start()` rejects with it by default.
   */
  'DATABASE_REFUSED',
] as const;

/** One of {@link COORDINATOR_ERROR_CODES}. */
export type CoordinatorErrorCode = (typeof COORDINATOR_ERROR_CODES)[number];

const coordinatorErrorBrand = Symbol.for('@polecat/coordinator/CoordinatorError');

/** Options accepted by {@link CoordinatorError}. */
export interface CoordinatorErrorOptions {
  readonly cause?: unknown;
}

/**
 * The one error family of `@polecat/coordinator`. Check with {@link CoordinatorError.is}, which
 * survives duplicate copies of the package in `node_modules` (unlike `instanceof`).
 * It extends `PolecatError` (`@polecat/kit`): `isPolecatError(error)` recognises every `@polecat` error.
 */
export class CoordinatorError extends PolecatError<CoordinatorErrorCode> {
  readonly [coordinatorErrorBrand] = true;

  constructor(code: CoordinatorErrorCode, message: string, options: CoordinatorErrorOptions = {}) {
    super(code, message, options);
    this.name = 'CoordinatorError';
  }

  /** Brand check that works across duplicate package copies. */
  static override is(value: unknown): value is CoordinatorError {
    return hasBrand(value, coordinatorErrorBrand);
  }

  /** `true` when `value` is a {@link CoordinatorError} with the given code. */
  static hasCode<C extends CoordinatorErrorCode>(value: unknown, code: C): value is CoordinatorError & { code: C } {
    return CoordinatorError.is(value) && value.code === code;
  }
}
