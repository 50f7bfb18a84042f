import { heldKey } from '../internal/lock-key';
import { AppLockError } from '../errors';
import { assertLockId, type LockId } from '../lock-id';

/** One id this owner holds, with the backend key it was granted under. */
export interface HeldLock<Key> {
  readonly id: LockId;
  readonly key: Key;
  /** Created on the first `lockSignal(id)` only: an AbortSignal costs ≈ 0.8 KB, and most holders never ask. */
  controller?: AbortController;
}

/** A validated id asked for, with its backend key and its registry key. */
export interface LockRequest<Key> {
  readonly id: LockId;
  readonly key: Key;
  readonly mapKey: number | string;
}

/**
 * Validates `ids` and maps each to its backend key, dropping repeats (`5` twice is one request;
 * `5` and `"5"` are two).
 * @throws AppLockError `INVALID_LOCK_ID` for anything that is not an array of lock ids.
 */
export function prepareRequests<Key>(ids: readonly LockId[], toKey: (id: LockId) => Key): LockRequest<Key>[] {
  if (!Array.isArray(ids)) throw new AppLockError('INVALID_LOCK_ID', 'Expected an array of lock ids');
  const seen = new Map<number | string, LockRequest<Key>>();
  for (const id of ids) {
    assertLockId(id);
    const mapKey = heldKey(id);
    if (!seen.has(mapKey)) seen.set(mapKey, { id, key: toKey(id), mapKey });
  }
  return [...seen.values()];
}

/** The ids this owner holds now: the registry every lock operation reads and updates. */
export class HeldLocks<Key> {
  readonly #byId = new Map<number | string, HeldLock<Key>>();

  /** Number of ids held. */
  get size(): number {
    return this.#byId.size;
  }

  /** Whether `id` is held. */
  has(id: LockId): boolean {
    return this.#byId.has(heldKey(id));
  }

  /** Whether the request's id is held. */
  hasRequest(request: LockRequest<Key>): boolean {
    return this.#byId.has(request.mapKey);
  }

  /** The entry of `id`, if held. */
  get(id: LockId): HeldLock<Key> | undefined {
    return this.#byId.get(heldKey(id));
  }

  /** The held entries of `ids`, each once (ids not held are skipped). */
  entriesOf(ids: readonly LockId[]): HeldLock<Key>[] {
    const entries = new Set<HeldLock<Key>>();
    for (const id of ids) {
      const held = this.get(id);
      if (held !== undefined) entries.add(held);
    }
    return [...entries];
  }

  /** Whether `entry` is still the registered holding of its id (not released, lost or re-taken since). */
  isCurrent(entry: HeldLock<Key>): boolean {
    return this.#byId.get(heldKey(entry.id)) === entry;
  }

  /** Every held entry, in grant order. */
  entries(): HeldLock<Key>[] {
    return [...this.#byId.values()];
  }

  /** The backend keys held, as strings (two ids may map to one key: never request it twice). */
  keyStrings(): Set<string> {
    return new Set(this.entries().map((held) => String(held.key)));
  }

  /** Records a grant. */
  add(request: LockRequest<Key>): HeldLock<Key> {
    const held: HeldLock<Key> = { id: request.id, key: request.key };
    this.#byId.set(request.mapKey, held);
    return held;
  }

  /** Forgets `entries` (released or lost). */
  remove(entries: readonly HeldLock<Key>[]): void {
    for (const held of entries) this.#byId.delete(heldKey(held.id));
  }

  /** The signal of `id` (created on first use), `undefined` when not held. */
  signalOf(id: LockId): AbortSignal | undefined {
    const held = this.get(id);
    if (held === undefined) return undefined;
    held.controller ??= new AbortController();
    return held.controller.signal;
  }
}
