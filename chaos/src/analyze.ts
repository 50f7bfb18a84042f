/** One accepted ledger row, in commit (= id) order within its shard. */
export interface LedgerRow {
  readonly id: number;
  readonly shard: string;
  readonly node: string;
  readonly pid: number;
  readonly epoch: number;
  /** Commit-side wall clock (ms). */
  readonly at: number;
}

/** One refused write, as recorded by the node that attempted it. */
export interface RefusalRow {
  readonly shard: string;
  readonly epoch: number;
  readonly currentEpoch: number | null;
}

/** What the database says about a run. */
export interface LedgerAnalysis {
  readonly writes: number;
  /** Rows whose epoch is lower than an epoch already accepted before them in the same shard (must be 0). */
  readonly interleavings: number;
  /** (shard, epoch) pairs written by more than one process (must be 0: one grant, one owner). */
  readonly sharedEpochs: number;
  /** Refusals whose epoch was actually current (must be 0: a refusal means a newer grant existed). */
  readonly wrongRefusals: number;
  readonly refusals: number;
  /** Consecutive rows of one shard whose epoch differs (an ownership change that wrote). */
  readonly ownershipChanges: number;
  /** Summed per-shard time without progress (gaps longer than `gapThresholdMs`, plus start and end). */
  readonly orphanMs: number;
  readonly worstGap: { readonly shard: string; readonly ms: number };
  /** Shards with no write in the final window (must be 0 after the faults stop). */
  readonly shardsWithoutOwnerAtEnd: number;
  /** The last accepted row of every shard (`undefined`: never written), for diagnostics. */
  readonly lastWrites: ReadonlyMap<string, LedgerRow | undefined>;
}

/**
 * Checks the invariants over the ledger (rows of every shard in id order). `from`/`to` bound the
 * measured period; `finalWindowStart` is when every shard must have written again.
 */
export function analyzeLedger(
  rows: readonly LedgerRow[],
  refusals: readonly RefusalRow[],
  options: {
    readonly shards: readonly string[];
    readonly from: number;
    readonly to: number;
    readonly gapThresholdMs: number;
    readonly finalWindowStart: number;
    /** Shards that must have written in the final window (default: every shard); e.g. not a removed tenant's. */
    readonly finalShards?: ReadonlySet<string>;
  },
): LedgerAnalysis {
  const byShard = new Map<string, LedgerRow[]>(options.shards.map((shard) => [shard, []]));
  for (const row of rows) {
    const list = byShard.get(row.shard) ?? [];
    list.push(row);
    byShard.set(row.shard, list);
  }
  let interleavings = 0;
  let sharedEpochs = 0;
  let ownershipChanges = 0;
  let orphanMs = 0;
  let worstGap = { shard: '', ms: 0 };
  let shardsWithoutOwnerAtEnd = 0;
  const lastWrites = new Map<string, LedgerRow | undefined>();
  const measured = new Set(options.shards);
  for (const [shard, list] of byShard) {
    list.sort((a, b) => a.id - b.id);
    const gapsCount = measured.has(shard); // e.g. not a removed tenant's shards
    let maxEpoch = -Infinity;
    const owners = new Map<number, string>();
    const sharedHere = new Set<number>();
    let previous: LedgerRow | undefined;
    let lastAt = options.from;
    for (const row of list) {
      if (row.epoch < maxEpoch) interleavings += 1;
      maxEpoch = Math.max(maxEpoch, row.epoch);
      const owner = `${row.node}#${row.pid}`;
      const known = owners.get(row.epoch);
      if (known === undefined) owners.set(row.epoch, owner);
      else if (known !== owner) sharedHere.add(row.epoch);
      if (previous !== undefined && previous.epoch !== row.epoch) ownershipChanges += 1;
      if (gapsCount && row.at >= options.from && row.at <= options.to) {
        const gap = row.at - lastAt;
        if (gap > options.gapThresholdMs) orphanMs += gap;
        if (gap > worstGap.ms) worstGap = { shard, ms: gap };
        lastAt = row.at;
      }
      previous = row;
    }
    const tail = gapsCount ? options.to - lastAt : 0;
    if (tail > options.gapThresholdMs) orphanMs += tail;
    if (tail > worstGap.ms) worstGap = { shard, ms: tail };
    sharedEpochs += sharedHere.size;
    const mustOwn = options.finalShards === undefined || options.finalShards.has(shard);
    if (mustOwn && !list.some((row) => row.at >= options.finalWindowStart)) shardsWithoutOwnerAtEnd += 1;
    lastWrites.set(shard, list.at(-1));
  }
  const wrongRefusals = refusals.filter((r) => r.currentEpoch !== null && r.currentEpoch <= r.epoch).length;
  return {
    writes: rows.length,
    interleavings,
    sharedEpochs,
    wrongRefusals,
    refusals: refusals.length,
    ownershipChanges,
    orphanMs,
    worstGap,
    shardsWithoutOwnerAtEnd,
    lastWrites,
  };
}
