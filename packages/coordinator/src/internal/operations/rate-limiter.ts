/**
 * Rate-limits repeated warnings by key: at most one per `intervalMs` per key; the next allowed one
 * says how many were suppressed meanwhile.
 */
export class RateLimiter {
  readonly #intervalMs: number;
  readonly #entries = new Map<string, { nextAt: number; suppressed: number }>();

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  /** `undefined` when suppressed; otherwise how many were suppressed since the last allowed one. */
  allow(key: string, now: number): { readonly suppressed: number } | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && now < entry.nextAt) {
      entry.suppressed += 1;
      return undefined;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.#entries.set(key, { nextAt: now + this.#intervalMs, suppressed: 0 });
    return { suppressed };
  }

  /** Forgets a key (the condition ended). */
  reset(key: string): void {
    this.#entries.delete(key);
  }
}
