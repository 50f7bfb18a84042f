import { AppLockError } from './errors';

/**
 * Identifies one lock. A number must be a signed 32-bit integer (the lock ids Polecat/Marten
 * compute); a string is any non-empty name (backends map long names to a prefix plus a hash).
 * `5` and `"5"` are different ids.
 */
export type LockId = number | string;

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** `true` when `value` is a valid {@link LockId}. */
export function isLockId(value: unknown): value is LockId {
  if (typeof value === 'number') return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
  return typeof value === 'string' && value.length > 0;
}

/**
 * Throws `AppLockError` (`INVALID_LOCK_ID`) unless `value` is a valid {@link LockId}.
 * @example assertLockId(4444); assertLockId('orders:All');
 */
export function assertLockId(value: unknown): asserts value is LockId {
  if (isLockId(value)) return;
  let detail: string;
  if (typeof value === 'number') {
    detail = Number.isNaN(value)
      ? 'NaN is not a lock id'
      : !Number.isInteger(value)
        ? `${value} is not an integer`
        : `${value} is outside the signed 32-bit range [${INT32_MIN}, ${INT32_MAX}]`;
  } else if (typeof value === 'string') {
    detail = 'an empty string is not a lock id';
  } else {
    detail = `expected a 32-bit integer or a non-empty string, got ${value === null ? 'null' : typeof value}`;
  }
  throw new AppLockError('INVALID_LOCK_ID', `Invalid lock id: ${detail}`);
}
