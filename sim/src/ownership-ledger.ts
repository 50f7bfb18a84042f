/** Kinds of invariant violation. */
export const VIOLATION_KINDS = ['double-run', 'stale-epoch', 'unowned', 'dead-session-lock', 'lock-mismatch', 'unbalanced'] as const;
/** One of {@link VIOLATION_KINDS}. */
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** A broken invariant, with the virtual time it was seen at (ms since the run started). */
export interface Violation {
  readonly kind: ViolationKind;
  readonly atMs: number;
  readonly detail: string;
}

/** One agent run of one shard on one node instance. */
export interface AgentRun {
  readonly node: string;
  readonly shard: string;
  readonly epoch: bigint | undefined;
  readonly startedAt: number;
  /** The node was frozen or partitioned during this run: it cannot know it lost the lock. */
  cutOff: boolean;
}

/**
 * Every agent start and return, checked as it happens: two runs of one shard at once is a
 * violation, unless the cut-off one (its node frozen, partitioned, or started on a grant the
 * server had already revoked) has the LOWER epoch, so that fencing refuses its writes: those are
 * counted apart. A cut-off run with the higher epoch is `stale-epoch` (fencing would refuse the
 * live owner instead).
 */
export class OwnershipLedger {
  readonly #running = new Map<string, AgentRun[]>();
  readonly #lastNode = new Map<string, string>();
  readonly #violations: Violation[] = [];
  readonly #now: () => number;
  #starts = 0;
  #moves = 0;
  #fencedOverlaps = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  get violations(): readonly Violation[] {
    return this.#violations;
  }

  /** Agent starts so far. */
  get starts(): number {
    return this.#starts;
  }

  /** Starts on a node other than the shard's previous runner (base name, restarts included). */
  get moves(): number {
    return this.#moves;
  }

  /** Overlaps with a cut-off older run whose epoch fencing refuses. */
  get fencedOverlaps(): number {
    return this.#fencedOverlaps;
  }

  report(kind: ViolationKind, detail: string): void {
    this.#violations.push({ kind, atMs: this.#now(), detail });
  }

  start(node: string, shard: string, epoch: bigint | undefined, cutOff: boolean): AgentRun {
    const run: AgentRun = { node, shard, epoch, startedAt: this.#now(), cutOff };
    const runs = this.#running.get(shard) ?? [];
    for (const other of runs) {
      if (!other.cutOff && cutOff) {
        // a cut-off node started on a grant the server had already revoked (it arrived late)
        if (other.epoch !== undefined && epoch !== undefined && epoch < other.epoch) this.#fencedOverlaps++;
        else
          this.report('stale-epoch', `${shard} started on cut-off ${node} (a late grant) with epoch ${epoch}, not below live ${other.node}'s ${other.epoch}`);
      } else if (!other.cutOff) {
        this.report('double-run', `${shard} started on ${node} while it runs on ${other.node} (since ${other.startedAt})`);
      } else if (other.epoch === undefined || epoch === undefined || other.epoch >= epoch) {
        this.report('stale-epoch', `${shard} on ${node} has epoch ${epoch}, cut-off ${other.node} still runs with ${other.epoch}`);
      } else this.#fencedOverlaps++;
    }
    runs.push(run);
    this.#running.set(shard, runs);
    this.#starts++;
    const base = baseName(node);
    const previous = this.#lastNode.get(shard);
    if (previous !== undefined && previous !== base) this.#moves++;
    this.#lastNode.set(shard, base);
    return run;
  }

  stop(run: AgentRun): void {
    const runs = this.#running.get(run.shard);
    const index = runs?.indexOf(run) ?? -1;
    if (runs === undefined || index < 0) return;
    runs.splice(index, 1);
    if (runs.length === 0) this.#running.delete(run.shard);
  }

  /** The node was frozen or partitioned: its current runs are cut off. */
  cutOff(node: string): void {
    for (const runs of this.#running.values()) for (const run of runs) if (run.node === node) run.cutOff = true;
  }

  /** The node's process is gone: its runs ended. */
  crashed(node: string): void {
    for (const runs of this.#running.values()) for (const run of [...runs]) if (run.node === node) this.stop(run);
  }

  /** The runs of `shard` now. */
  runsOf(shard: string): readonly AgentRun[] {
    return this.#running.get(shard) ?? [];
  }

  /** Number of shards with at least one run. */
  get runningShards(): number {
    return this.#running.size;
  }
}

/** `n3#2` -> `n3`. */
export function baseName(instance: string): string {
  const hash = instance.indexOf('#');
  return hash < 0 ? instance : instance.slice(0, hash);
}
