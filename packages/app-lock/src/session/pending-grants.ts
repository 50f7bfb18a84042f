import { heldKey } from '../internal/lock-key';
import type { LockId } from '../lock-id';
import type { LockRequest } from './held-locks';

/**
 * The ids a queued or running request (`tryAttainLocks`, `waitForLock`) may still be granted. A
 * release of an id that is neither held nor here has nothing to do whatever runs before it in the
 * serial queue, so it resolves at once instead of waiting there (behind a reconnect, say, while a
 * given-up session is held open until that very release returned).
 */
export class PendingGrants {
  readonly #counts = new Map<number | string, number>();

  /** How many distinct ids are pending. */
  get size(): number {
    return this.#counts.size;
  }

  /** Whether a queued or running request may still be granted `id`. */
  has(id: LockId): boolean {
    return this.#counts.has(heldKey(id));
  }

  /** Runs `request` with `requests` counted as pending from now until it settled. */
  async during<T>(requests: readonly LockRequest<unknown>[], request: () => Promise<T>): Promise<T> {
    for (const { mapKey } of requests) this.#counts.set(mapKey, (this.#counts.get(mapKey) ?? 0) + 1);
    try {
      return await request();
    } finally {
      for (const { mapKey } of requests) {
        const left = (this.#counts.get(mapKey) ?? 1) - 1;
        if (left === 0) this.#counts.delete(mapKey);
        else this.#counts.set(mapKey, left);
      }
    }
  }
}
