import { PolecatError, hasBrand } from '@polecat/kit';

/** Every error code raised by `@polecat/di-adapters`. */
export const DI_ADAPTER_ERROR_CODES = [
  /** One store registers both `addProjectionCoordinator` and `addAsyncDaemon`: pick one. */
  'CONFLICTING_REGISTRATION',
  /** One store registers the same kind twice. */
  'DUPLICATE_REGISTRATION',
  /** Options are malformed (no shards, a list of shards without `daemonFor`, an unknown mode, ...). */
  'INVALID_CONFIGURATION',
  /** A store was asked for that nobody registered. */
  'UNKNOWN_STORE',
  /** Draining coordinators failed or did not finish within the deadline. */
  'DRAIN_FAILED',
  /** Two stores derive the same DI name (Awilix: `order-events` and `order_events`), or the name is already registered. */
  'NAME_COLLISION',
  /** Two stores would take the same lock id in one database: one of them would never run its shard. */
  'SHARED_LOCK_ID',
  /** One shard name is declared twice for one store (two providers, or a provider and an agent function). */
  'DUPLICATE_SHARD',
  /** Coordinators registered on a scoped container (Awilix `createScope()`): they must live on the root. */
  'SCOPED_CONTAINER',
  /** A database driver (`pg`, `mssql`), an optional peer dependency, is not installed: the message names the package to install. */
  'MISSING_DRIVER',
] as const;

/** One of {@link DI_ADAPTER_ERROR_CODES}. */
export type DiAdapterErrorCode = (typeof DI_ADAPTER_ERROR_CODES)[number];

const diAdapterErrorBrand = Symbol.for('@polecat/di-adapters/DiAdapterError');

/** Options accepted by {@link DiAdapterError}. */
export interface DiAdapterErrorOptions {
  readonly cause?: unknown;
}

/**
 * The one error family of `@polecat/di-adapters`. Check with {@link DiAdapterError.is}, which
 * survives duplicate copies of the package (and the separate entry points) unlike `instanceof`.
 * It extends `PolecatError` (`@polecat/kit`): `isPolecatError(error)` recognises every `@polecat` error.
 */
export class DiAdapterError extends PolecatError<DiAdapterErrorCode> {
  readonly [diAdapterErrorBrand] = true;

  constructor(code: DiAdapterErrorCode, message: string, options: DiAdapterErrorOptions = {}) {
    super(code, message, options);
    this.name = 'DiAdapterError';
  }

  /** Brand check that works across duplicate package copies. */
  static override is(value: unknown): value is DiAdapterError {
    return hasBrand(value, diAdapterErrorBrand);
  }

  /** `true` when `value` is a {@link DiAdapterError} with the given code. */
  static hasCode<C extends DiAdapterErrorCode>(value: unknown, code: C): value is DiAdapterError & { code: C } {
    return DiAdapterError.is(value) && value.code === code;
  }
}
