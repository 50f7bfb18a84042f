/** One ownership interval: `node` ran `shard` from `start` until `stop` (`undefined` while open). */
export interface LedgerInterval {
  readonly node: string;
  readonly shard: string;
  readonly start: number;
  readonly stop: number | undefined;
}

/** Two intervals of one shard, from different nodes, that overlap in time. */
export interface LedgerOverlap {
  readonly shard: string;
  readonly first: LedgerInterval;
  readonly second: LedgerInterval;
}

/**
 * Records who ran which shard when, and finds overlaps (two nodes running one shard at once).
 * Open intervals count as running until now/forever. Times are whatever clock the caller uses.
 */
export class OwnershipLedger {
  readonly #closed: LedgerInterval[] = [];
  readonly #open = new Map<string, { node: string; shard: string; start: number }>();

  /** Marks `node` as having started `shard` at `at` (default `Date.now()`). A second start without stop is ignored. */
  start(node: string, shard: string, at: number = Date.now()): void {
    const key = `${node}\u0000${shard}`;
    if (!this.#open.has(key)) this.#open.set(key, { node, shard, start: at });
  }

  /** Marks `node` as having stopped `shard` at `at` (default `Date.now()`). Unknown pairs are ignored. */
  stop(node: string, shard: string, at: number = Date.now()): void {
    const key = `${node}\u0000${shard}`;
    const open = this.#open.get(key);
    if (open === undefined) return;
    this.#open.delete(key);
    this.#closed.push({ ...open, stop: at });
  }

  /** Adds a finished interval directly. */
  record(interval: LedgerInterval): void {
    this.#closed.push(interval);
  }

  /** Every interval, closed ones first, then open ones (`stop: undefined`). */
  intervals(): LedgerInterval[] {
    return [...this.#closed, ...[...this.#open.values()].map((open) => ({ ...open, stop: undefined }))];
  }

  /**
   * Pairs of intervals of one shard, from different nodes, that share time. Touching intervals
   * (`a.stop === b.start`) do not overlap.
   */
  findOverlaps(): LedgerOverlap[] {
    const byShard = new Map<string, LedgerInterval[]>();
    for (const interval of this.intervals()) {
      const list = byShard.get(interval.shard) ?? [];
      list.push(interval);
      byShard.set(interval.shard, list);
    }
    const overlaps: LedgerOverlap[] = [];
    for (const [shard, list] of byShard) {
      list.sort((a, b) => a.start - b.start);
      for (let i = 0; i < list.length; i += 1) {
        const first = list[i]!;
        const firstStop = first.stop ?? Number.POSITIVE_INFINITY;
        for (let j = i + 1; j < list.length && list[j]!.start < firstStop; j += 1) {
          const second = list[j]!;
          if (second.node !== first.node) overlaps.push({ shard, first, second });
        }
      }
    }
    return overlaps;
  }
}
