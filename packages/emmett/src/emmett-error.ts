import { PolecatError, hasBrand } from '@polecat/kit';

/** Every error code raised by `@polecat/emmett`. */
export const EMMETT_ERROR_CODES = [
  /** The options cannot work: no processors, a duplicate shard, an unsupported Emmett option. */
  'INVALID_CONFIGURATION',
  /** An agent has no fencing key or epoch for its shard (the coordinator was built without our epoch source). */
  'MISSING_EPOCH',
  /** The Emmett consumer of a shard failed (the processor's or the consumer's error is the `cause`). */
  'CONSUMER_FAILED',
] as const;

/** One of {@link EMMETT_ERROR_CODES}. */
export type EmmettErrorCode = (typeof EMMETT_ERROR_CODES)[number];

const emmettErrorBrand = Symbol.for('@polecat/emmett/EmmettCoordinationError');

/** Options accepted by {@link EmmettCoordinationError}. */
export interface EmmettCoordinationErrorOptions {
  readonly cause?: unknown;
}

/**
 * The one error family of `@polecat/emmett`. Check with {@link EmmettCoordinationError.is}, which
 * survives duplicate copies of the package (unlike `instanceof`). A stale fencing epoch is not
 * wrapped: it escapes as `@polecat/fencing`'s `StaleEpochError`, so the coordinator hands the
 * shard over.
 * It extends `PolecatError` (`@polecat/kit`): `isPolecatError(error)` recognises every `@polecat` error.
 */
export class EmmettCoordinationError extends PolecatError<EmmettErrorCode> {
  readonly [emmettErrorBrand] = true;

  constructor(code: EmmettErrorCode, message: string, options: EmmettCoordinationErrorOptions = {}) {
    super(code, message, options);
    this.name = 'EmmettCoordinationError';
  }

  /** Brand check that works across duplicate package copies. */
  static override is(value: unknown): value is EmmettCoordinationError {
    return hasBrand(value, emmettErrorBrand);
  }

  /** `true` when `value` is an {@link EmmettCoordinationError} with the given code. */
  static hasCode<C extends EmmettErrorCode>(value: unknown, code: C): value is EmmettCoordinationError & { code: C } {
    return EmmettCoordinationError.is(value) && value.code === code;
  }
}
