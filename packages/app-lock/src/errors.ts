import { PolecatError, hasBrand } from '@polecat/kit';
import type { LockId } from './lock-id';

/** Every error code raised by `@polecat/app-lock` and its backends. */
export const APP_LOCK_ERROR_CODES = [
  /** A lock id is not a 32-bit integer or a non-empty string. */
  'INVALID_LOCK_ID',
  /** Options or connection settings are malformed (the message never contains a secret). */
  'INVALID_CONFIGURATION',
  /** The database could not be reached, or the login was refused. Retryable. */
  'CONNECTION_FAILED',
  /** The server refused the lock request for a reason other than "someone else holds it". */
  'LOCK_REQUEST_FAILED',
  /** The server cancelled the lock request (SQL Server `sp_getapplock` returned -2). */
  'LOCK_REQUEST_CANCELLED',
  /** The lock request was chosen as a deadlock victim (SQL Server `sp_getapplock` returned -3). */
  'LOCK_DEADLOCK_VICTIM',
  /** A held lock was lost: the session ended, the connection broke or verification failed. */
  'LOCK_LOST',
  /** The backend cannot do what was asked (e.g. `probeLocks` on a session without `probe`). */
  'NOT_SUPPORTED',
  /**
   * The lock connection does not keep ONE server session (a pooler in transaction or statement
   * mode, e.g. PgBouncer or RDS Proxy, or the session changed between statements): session locks
   * would leak to other clients or vanish, so the owner refuses to use it. Not retryable.
   */
  'UNSAFE_CONNECTION',
  /** The lock owner was disposed; it cannot be used again. */
  'DISPOSED',
] as const;

/** One of {@link APP_LOCK_ERROR_CODES}. */
export type AppLockErrorCode = (typeof APP_LOCK_ERROR_CODES)[number];

const appLockErrorBrand = Symbol.for('@polecat/app-lock/AppLockError');

/** Options accepted by {@link AppLockError}. */
export interface AppLockErrorOptions {
  readonly cause?: unknown;
  /** Whether trying again later may succeed (connection failures are retryable). */
  readonly retryable?: boolean;
}

/**
 * The one error family of `@polecat/app-lock`. Check with {@link AppLockError.is}, which survives
 * duplicate copies of the package in `node_modules` (unlike `instanceof`).
 *
 * Losing the race for a lock is not an error: `tryAttainLock` resolves `false`.
 *
 * It extends `PolecatError` (`@polecat/kit`): `isPolecatError(error)` recognises every `@polecat` error.
 */
export class AppLockError extends PolecatError<AppLockErrorCode> {
  readonly [appLockErrorBrand] = true;

  constructor(code: AppLockErrorCode, message: string, options: AppLockErrorOptions = {}) {
    super(code, message, { cause: options.cause, retryable: options.retryable ?? code === 'CONNECTION_FAILED' });
    this.name = 'AppLockError';
  }

  /** Brand check that works across duplicate package copies. */
  static override is(value: unknown): value is AppLockError {
    return hasBrand(value, appLockErrorBrand);
  }

  /** `true` when `value` is an {@link AppLockError} with the given code. */
  static hasCode<C extends AppLockErrorCode>(value: unknown, code: C): value is AppLockError & { code: C } {
    return AppLockError.is(value) && value.code === code;
  }
}

/** Why a held lock stopped being held without the owner releasing it. */
export const LOCK_LOSS_REASONS = [
  /** The lock connection closed or errored (server KILL / pg_terminate_backend, TCP reset, restart). */
  'connection-lost',
  /** Periodic or explicit verification found the server no longer grants the lock to this session. */
  'verification-failed',
  /** Verification did not answer in time (a stalled or partitioned connection); the session was dropped. */
  'verification-timeout',
  /** The lock was released on purpose (`releaseLock`, `releaseAll`, `dispose`). */
  'released',
] as const;

/** One of {@link LOCK_LOSS_REASONS}. */
export type LockLossReason = (typeof LOCK_LOSS_REASONS)[number];

/**
 * The `reason` of a held lock's {@link AppLock.lockSignal | signal} once the lock is gone, and the
 * error carried by lock-lost events.
 */
export class LockLostError extends AppLockError {
  readonly ids: readonly LockId[];
  readonly reason: LockLossReason;

  constructor(ids: readonly LockId[], reason: LockLossReason, cause?: unknown) {
    super('LOCK_LOST', `lock${ids.length === 1 ? '' : 's'} ${ids.map(String).join(', ')} ${reason === 'released' ? 'released' : `lost (${reason})`}`, {
      cause,
      retryable: true,
    });
    this.name = 'LockLostError';
    this.ids = ids;
    this.reason = reason;
  }

  /** Brand check for a lock-lost error (any reason). */
  static isLockLost(value: unknown): value is LockLostError {
    return AppLockError.hasCode(value, 'LOCK_LOST');
  }
}
