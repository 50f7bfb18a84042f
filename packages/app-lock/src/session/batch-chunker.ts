/** Share of `requestTimeoutMs` one round trip is sized to take: a 4x margin for a busier server. */
export const CHUNK_TARGET_SHARE = 0.25;
/** Cost per key assumed before anything was measured (ms): a slow server over TDS, pessimistically. */
export const ASSUMED_MS_PER_KEY = 2.5;
/** Fewest keys a chunk is cut to, however slow the server (its fixed cost would dominate below). */
export const MIN_CHUNK_KEYS = 16;
/** Most keys one round trip carries, however fast the server. */
export const MAX_CHUNK_KEYS = 16_384;

/**
 * Decides how many keys ONE round trip of a kind (acquire, verify, release, probe) may carry so
 * that it stays well inside the request timeout: the target is {@link CHUNK_TARGET_SHARE} of
 * `requestTimeoutMs`, the size follows the last measured cost per key (shrinking at once when a
 * round trip was slow, growing at most twofold per round trip), and starts from
 * {@link ASSUMED_MS_PER_KEY}. Pure bookkeeping: the caller measures and reports each round trip.
 *
 * @example
 * const chunker = new BatchChunker(5000); // target 1250 ms per round trip
 * chunker.size; // 500 keys before anything was measured
 * chunker.record(500, 2500); // 5 ms per key: the server is slower than assumed
 * chunker.size; // 250
 */
export class BatchChunker {
  readonly #targetMs: number;
  #size: number;

  /** @param requestTimeoutMs the budget of one round trip (`SessionAppLockOptions.requestTimeoutMs`). */
  constructor(requestTimeoutMs: number) {
    this.#targetMs = requestTimeoutMs * CHUNK_TARGET_SHARE;
    this.#size = clampKeys(Math.floor(this.#targetMs / ASSUMED_MS_PER_KEY));
  }

  /** How many keys the next round trip may carry. */
  get size(): number {
    return this.#size;
  }

  /** Learns from one round trip of `keyCount` keys that took `elapsedMs`. */
  record(keyCount: number, elapsedMs: number): void {
    if (keyCount <= 0 || !Number.isFinite(elapsedMs) || elapsedMs < 0) return;
    const msPerKey = Math.max(elapsedMs, 0.001) / keyCount;
    const fitting = Math.floor(this.#targetMs / msPerKey);
    // a small fast batch says little about a large one: grow at most twofold per measurement
    this.#size = clampKeys(Math.min(fitting, Math.max(this.#size, keyCount) * 2));
  }

  /** The first chunk of `items` ({@link BatchChunker.size} of them) and the rest. */
  take<T>(items: readonly T[]): { readonly chunk: readonly T[]; readonly rest: readonly T[] } {
    return { chunk: items.slice(0, this.#size), rest: items.slice(this.#size) };
  }
}

function clampKeys(keys: number): number {
  return Math.min(MAX_CHUNK_KEYS, Math.max(MIN_CHUNK_KEYS, keys));
}

/** One {@link BatchChunker} per kind of round trip (their costs per key differ). */
export class BatchChunkers {
  readonly #requestTimeoutMs: number;
  readonly #byKind = new Map<string, BatchChunker>();

  constructor(requestTimeoutMs: number) {
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  /** The chunker of round trips of `kind` (created on first use). */
  of(kind: string): BatchChunker {
    let chunker = this.#byKind.get(kind);
    if (chunker === undefined) {
      chunker = new BatchChunker(this.#requestTimeoutMs);
      this.#byKind.set(kind, chunker);
    }
    return chunker;
  }
}
