import type { EpochStore } from './epoch-store';
import { StaleEpochError } from './fencing-error';
import { assertKey, throwIfAborted, toEpoch } from './internal/validate';

/**
 * An {@link EpochStore} in process memory, for tests and single-process demos. It has no
 * transactions, so {@link InMemoryEpochStore.assertCurrent} only checks (it cannot hold off a bump).
 */
export class InMemoryEpochStore implements EpochStore {
  readonly #epochs = new Map<string, bigint>();

  /** Bumps and returns the epoch of `key`. */
  async nextEpoch(key: string, signal?: AbortSignal): Promise<bigint> {
    assertKey(key);
    throwIfAborted(signal);
    const next = (this.#epochs.get(key) ?? 0n) + 1n;
    this.#epochs.set(key, next);
    return next;
  }

  /** The stored epoch of `key`, or `undefined`. */
  async currentEpoch(key: string, signal?: AbortSignal): Promise<bigint | undefined> {
    assertKey(key);
    throwIfAborted(signal);
    return this.#epochs.get(key);
  }

  /** Throws {@link StaleEpochError} unless `epoch` is the stored epoch of `key`. */
  assertCurrent(key: string, epoch: bigint | number): void {
    assertKey(key);
    const expected = toEpoch(epoch);
    const current = this.#epochs.get(key);
    if (current !== expected) throw new StaleEpochError(key, expected, current);
  }
}
