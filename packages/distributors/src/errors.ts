import { PolecatError, hasBrand } from '@polecat/kit';

/** Every error code raised by `@polecat/distributors`. */
export const DISTRIBUTOR_ERROR_CODES = [
  /** A shard name, key, version or tenant is malformed (empty, contains `:`, version not an integer >= 1). */
  'INVALID_SHARD_NAME',
  /** Two shards of one configuration have the same identity. */
  'DUPLICATE_SHARD',
  /** A database is malformed (empty id) or two databases share one id. */
  'INVALID_DATABASE',
  /** Distributor options are malformed (e.g. a lock id base that is not a 32-bit integer). */
  'INVALID_CONFIGURATION',
  /** Releasing locks failed for at least one database (see `cause`). */
  'RELEASE_FAILED',
  /** The distributor was disposed; it cannot be used again. */
  'DISPOSED',
] as const;

/** One of {@link DISTRIBUTOR_ERROR_CODES}. */
export type DistributorErrorCode = (typeof DISTRIBUTOR_ERROR_CODES)[number];

const distributorErrorBrand = Symbol.for('@polecat/distributors/DistributorError');

/** Options accepted by {@link DistributorError}. */
export interface DistributorErrorOptions {
  readonly cause?: unknown;
}

/**
 * The one error family of `@polecat/distributors`. Check with {@link DistributorError.is}, which
 * survives duplicate copies of the package in `node_modules` (unlike `instanceof`).
 *
 * Losing the race for a lock is not an error: `tryAttain` resolves `false`.
 *
 * It extends `PolecatError` (`@polecat/kit`): `isPolecatError(error)` recognises every `@polecat` error.
 */
export class DistributorError extends PolecatError<DistributorErrorCode> {
  readonly [distributorErrorBrand] = true;

  constructor(code: DistributorErrorCode, message: string, options: DistributorErrorOptions = {}) {
    super(code, message, options);
    this.name = 'DistributorError';
  }

  /** Brand check that works across duplicate package copies. */
  static override is(value: unknown): value is DistributorError {
    return hasBrand(value, distributorErrorBrand);
  }

  /** `true` when `value` is a {@link DistributorError} with the given code. */
  static hasCode<C extends DistributorErrorCode>(value: unknown, code: C): value is DistributorError & { code: C } {
    return DistributorError.is(value) && value.code === code;
  }
}
