import { PolecatError, hasBrand } from '@polecat/kit';

/** Every error code raised by `@polecat/fencing`. */
export const FENCING_ERROR_CODES = [
  /** A schema or table name is not a plain SQL identifier (letters, digits, `_`; 1 to 63 characters). */
  'INVALID_IDENTIFIER',
  /** A fencing key is not a non-empty string of at most 450 characters without NUL. */
  'INVALID_KEY',
  /** An epoch is not a positive integer (bigint, or a safe integer number). */
  'INVALID_EPOCH',
  /** The write was refused: a newer grant exists (or the key has no stored epoch). See {@link StaleEpochError}. */
  'STALE_EPOCH',
  /** The epoch table could not be created, read or updated (the database's error is the `cause`). */
  'STORE_FAILED',
  /** The operation was aborted through its `AbortSignal`. */
  'ABORTED',
] as const;

/** One of {@link FENCING_ERROR_CODES}. */
export type FencingErrorCode = (typeof FENCING_ERROR_CODES)[number];

const fencingErrorBrand = Symbol.for('@polecat/fencing/FencingError');

/** Options accepted by {@link FencingError}. */
export interface FencingErrorOptions {
  readonly cause?: unknown;
}

/**
 * The one error family of `@polecat/fencing`. Check with {@link FencingError.is}, which survives
 * duplicate copies of the package (unlike `instanceof`).
 * It extends `PolecatError` (`@polecat/kit`): `isPolecatError(error)` recognises every `@polecat` error.
 */
export class FencingError extends PolecatError<FencingErrorCode> {
  readonly [fencingErrorBrand] = true;

  constructor(code: FencingErrorCode, message: string, options: FencingErrorOptions = {}) {
    super(code, message, options);
    this.name = 'FencingError';
  }

  /** Brand check that works across duplicate package copies. */
  static override is(value: unknown): value is FencingError {
    return hasBrand(value, fencingErrorBrand);
  }

  /** `true` when `value` is a {@link FencingError} with the given code. */
  static hasCode<C extends FencingErrorCode>(value: unknown, code: C): value is FencingError & { code: C } {
    return FencingError.is(value) && value.code === code;
  }
}

/**
 * A fenced write was refused by the database: the writer's epoch is no longer the current one
 * for `key` (a newer grant happened, so another owner may be writing). Roll the transaction back
 * and stop working on the shard; never retry the write with the same epoch.
 */
export class StaleEpochError extends FencingError {
  /** The fencing key the write was checked against. */
  readonly key: string;
  /** The epoch the writer holds. */
  readonly epoch: bigint;
  /** The epoch stored in the database, or `undefined` when the key has none. */
  readonly currentEpoch: bigint | undefined;

  constructor(key: string, epoch: bigint, currentEpoch: bigint | undefined) {
    super(
      'STALE_EPOCH',
      currentEpoch === undefined
        ? `stale epoch ${epoch} for fencing key ${JSON.stringify(key)}: no epoch is stored for it`
        : `stale epoch ${epoch} for fencing key ${JSON.stringify(key)}: the current epoch is ${currentEpoch}`,
    );
    this.name = 'StaleEpochError';
    this.key = key;
    this.epoch = epoch;
    this.currentEpoch = currentEpoch;
  }

  /** Brand check for a refused (stale) write. */
  static isStale(value: unknown): value is StaleEpochError {
    return FencingError.hasCode(value, 'STALE_EPOCH');
  }
}
