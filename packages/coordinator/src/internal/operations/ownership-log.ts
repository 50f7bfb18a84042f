import type { Clock, Logger } from '@polecat/app-lock';
import type { ProjectionSet } from '@polecat/distributors';

/** Names listed per kind in one line; the rest are counted. */
const MAX_NAMES = 20;

type Change = 'acquired' | 'released' | 'lost';

const Pending = {
  empty: (): Record<Change, string[]> & { reasons: Set<string>; count: number; omitted: number } => ({
    acquired: [],
    released: [],
    lost: [],
    reasons: new Set(),
    count: 0,
    omitted: 0,
  }),
};

/**
 * One structured line per ownership change, named by shards (not lock ids): changes that happen
 * together (one cycle's grants, one connection's losses) are gathered into ONE line
 * (`ownership changed { acquired, released, lost, reasons, owned }`), flushed 20 ms after the
 * first change, so 10 000 grants at start-up are one line, not 10 000.
 */
export class OwnershipLog {
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #owned: () => number;
  #pending: Record<Change, string[]> & { reasons: Set<string>; count: number; omitted: number } = Pending.empty();
  #scheduled = false;

  constructor(logger: Logger, clock: Clock, owned: () => number) {
    this.#logger = logger;
    this.#clock = clock;
    this.#owned = owned;
  }

  record(change: Change, set: ProjectionSet, reason?: string): void {
    const list = this.#pending[change];
    let omitted = false;
    for (const shard of set.names) {
      if (list.length < MAX_NAMES) list.push(`${set.database.id}/${shard.identity}`);
      else omitted = true; // (no string built: 10 000 grants at start-up allocate 20 names)
    }
    if (omitted) this.#pending.omitted += 1;
    this.#pending.count += 1;
    if (reason !== undefined) this.#pending.reasons.add(reason);
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#clock.sleep(20, undefined, { ref: false }).then(
      () => this.flush(),
      () => this.flush(),
    );
  }

  /** Writes the gathered line now (also on stop). */
  flush(): void {
    this.#scheduled = false;
    const pending = this.#pending;
    if (pending.count === 0) return;
    this.#pending = Pending.empty();
    const fields: Record<string, unknown> = {};
    for (const change of ['acquired', 'released', 'lost'] as const) if (pending[change].length > 0) fields[change] = pending[change];
    if (pending.reasons.size > 0) fields.reasons = [...pending.reasons];
    if (pending.omitted > 0) {
      fields.sets = pending.count;
      fields.setsNotListed = pending.omitted;
    }
    fields.owned = this.#owned();
    if (pending.lost.length > 0) this.#logger.warn('ownership changed', fields);
    else this.#logger.info('ownership changed', fields);
  }
}
