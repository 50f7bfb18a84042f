import { PolecatError, hasBrand } from '@polecat/kit';

/** Every error code raised by `@polecat/ops`. */
export const OPS_ERROR_CODES = [
  /** A node id, schema, shard or option is malformed (see the message). */
  'INVALID_ARGUMENT',
  /** The ops tables do not exist in this database: run `polecat init <connection>` (or `ensureOpsSchema`). */
  'SCHEMA_MISSING',
  /** No registered node knows this shard (or set key); see the message for the known ones. */
  'UNKNOWN_SHARD',
  /** No node with this id ever registered in this database. */
  'UNKNOWN_NODE',
  /** The connection string names no backend this package supports. */
  'UNSUPPORTED_CONNECTION',
  /** The database refused or failed a query (its error is the `cause`). */
  'QUERY_FAILED',
] as const;

/** One of {@link OPS_ERROR_CODES}. */
export type OpsErrorCode = (typeof OPS_ERROR_CODES)[number];

const opsErrorBrand = Symbol.for('@polecat/ops/OpsError');

/** Options accepted by {@link OpsError}. */
export interface OpsErrorOptions {
  readonly cause?: unknown;
}

/**
 * The one error family of `@polecat/ops`. Check with {@link OpsError.is}, which survives duplicate
 * copies of the package (unlike `instanceof`).
 * It extends `PolecatError` (`@polecat/kit`): `isPolecatError(error)` recognises every `@polecat` error.
 */
export class OpsError extends PolecatError<OpsErrorCode> {
  readonly [opsErrorBrand] = true;

  constructor(code: OpsErrorCode, message: string, options: OpsErrorOptions = {}) {
    super(code, message, options);
    this.name = 'OpsError';
  }

  /** Brand check that works across duplicate package copies. */
  static override is(value: unknown): value is OpsError {
    return hasBrand(value, opsErrorBrand);
  }

  /** `true` when `value` is an {@link OpsError} with the given code. */
  static hasCode<C extends OpsErrorCode>(value: unknown, code: C): value is OpsError & { code: C } {
    return OpsError.is(value) && value.code === code;
  }
}
