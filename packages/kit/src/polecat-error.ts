const polecatErrorBrand = Symbol.for('@polecat/kit/PolecatError');

/** Options accepted by {@link PolecatError} and every error family built on it. */
export interface PolecatErrorOptions {
  /** The error that caused this one (a driver's error, a listener's throw, ...). */
  readonly cause?: unknown;
  /** Whether trying again later may succeed. Default `false`. */
  readonly retryable?: boolean;
}

/**
 * `true` when `value` is an object carrying `brand` (a `Symbol.for` key, so the check holds across
 * duplicate copies of a package in `node_modules`, unlike `instanceof`). Error families use it for
 * their own `is` check.
 * @example static override is(value: unknown): value is OpsError { return hasBrand(value, opsErrorBrand); }
 */
export function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * The base of every error family of the `@polecat` packages (`AppLockError`, `CoordinatorError`,
 * `DistributorError`, ...): a `code` from the family's list, an optional `cause` and a `retryable`
 * flag. {@link PolecatError.is} recognises an error of any family, even from a duplicate package copy.
 *
 * A family subclasses it with its own code union, `name`, brand and `is`/`hasCode` statics.
 */
export class PolecatError<Code extends string = string> extends Error {
  /** What went wrong, as one of the family's codes. */
  readonly code: Code;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  readonly [polecatErrorBrand] = true;

  constructor(code: Code, message: string, options: PolecatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PolecatError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  /** `true` for an error of any `@polecat` family; works across duplicate package copies. */
  static is(value: unknown): value is PolecatError {
    return hasBrand(value, polecatErrorBrand);
  }
}

/**
 * `true` for an error of any `@polecat` family (same as {@link PolecatError.is}).
 * @example catch (error) { if (isPolecatError(error) && error.retryable) retryLater(); }
 */
export function isPolecatError(value: unknown): value is PolecatError {
  return PolecatError.is(value);
}
