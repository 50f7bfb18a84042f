import type { LockId } from '../lock-id';

/**
 * The ids a queued or running attempt (`tryAttainLocks`, `waitForLock`) may still be granted. A
 * release of an id that is neither held nor here has nothing to do and need not queue behind a
 * request (a reconnect to a stalled server can take `connectTimeoutMs`).
 */
export class AttainingIds {
  readonly #counts = new Map<LockId, number>();

  /** Whether no attempt is queued or running. */
  get isEmpty(): boolean {
    return this.#counts.size === 0;
  }

  has(id: LockId): boolean {
    return this.#counts.has(id);
  }

  /** Counts `ids` as attempted while `work` runs; resolves or rejects as `work` does. */
  async during<T>(ids: readonly LockId[], work: () => Promise<T>): Promise<T> {
    for (const id of ids) this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    try {
      return await work();
    } finally {
      for (const id of ids) {
        const left = (this.#counts.get(id) ?? 1) - 1;
        if (left === 0) this.#counts.delete(id);
        else this.#counts.set(id, left);
      }
    }
  }
}
