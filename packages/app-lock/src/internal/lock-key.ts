import type { LockId } from '../lock-id';

/** Map key of a lock id that keeps `5` and `"5"` apart. */
export function lockIdKey(id: LockId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}
