import { AppLockError } from '../errors';
import type { LockId } from '../lock-id';

const lockHoldClosedBrand = Symbol.for('@polecat/app-lock/LockHoldClosedError');

/**
 * Thrown by {@link LockLostEvent.hold} when it is called after the loss was dispatched (for
 * example after an `await` in the listener): by then the lost session's fate was decided, so the
 * work can no longer keep it open. Call `hold` synchronously, from the listener. Not retryable.
 * Code `NOT_SUPPORTED`; check with {@link LockHoldClosedError.isHoldClosed}.
 */
export class LockHoldClosedError extends AppLockError {
  /** The ids of the loss whose hold was asked for too late. */
  readonly ids: readonly LockId[];
  readonly [lockHoldClosedBrand] = true;

  constructor(ids: readonly LockId[]) {
    super(
      'NOT_SUPPORTED',
      `LockLostEvent.hold called after the loss of ${ids.map(String).join(', ')} was dispatched: call it synchronously from the listener`,
      { retryable: false },
    );
    this.name = 'LockHoldClosedError';
    this.ids = ids;
  }

  /** Brand check that works across duplicate package copies. */
  static isHoldClosed(value: unknown): value is LockHoldClosedError {
    return AppLockError.is(value) && (value as unknown as Record<symbol, unknown>)[lockHoldClosedBrand] === true;
  }
}
