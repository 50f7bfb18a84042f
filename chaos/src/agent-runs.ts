/** One agent run as the agent itself recorded it: started at `start`, returned at `end`. */
export interface AgentRun {
  readonly node: string;
  readonly pid: number;
  /** `database/shard` (one key per shard of every system). */
  readonly key: string;
  readonly start: number;
  /** When the agent returned; for a SIGKILLed process, when the kill was sent; `undefined`: still running. */
  readonly end: number | undefined;
}

/** A time window during which a process was frozen (SIGSTOP .. SIGCONT). */
export interface FreezeWindow {
  readonly pid: number;
  readonly from: number;
  readonly to: number;
}

/**
 * A moment the server freed a process's locks before the process could know: its lock session was
 * terminated or its connections reset (`terminate`, `pause-terminate`, `cut`), or the database
 * restarted. The owner learns of it only afterwards (a socket event, then its agents return).
 */
export interface ForcedRelease {
  readonly pid: number;
  readonly at: number;
}

/** Two runs of one shard by different processes that shared time. */
export interface RunOverlap {
  readonly key: string;
  readonly first: AgentRun;
  readonly second: AgentRun;
  /** How long they shared (ms). */
  readonly ms: number;
  /**
   * The earlier run's process was FROZEN when the later run started, and returned within
   * `residualMs` of being resumed: no process can stop while frozen; only fencing protects that
   * (its late writes must be refused). Every other overlap is a bug.
   */
  readonly frozen: boolean;
  /**
   * The server freed the earlier run's lock by force (see {@link ForcedRelease}) before the later
   * run started, and the earlier run returned within `residualMs` of it, not counting time its
   * process was frozen: the time the owner needs to learn of the loss and return. No library can
   * avoid this; fencing refuses its late writes.
   */
  readonly forced: boolean;
}

/** Result of {@link findRunOverlaps}. */
export interface RunOverlapReport {
  readonly runs: number;
  readonly overlaps: readonly RunOverlap[];
  /** Overlaps explained neither by a frozen process nor by a forced release: must be 0. */
  readonly unexplained: readonly RunOverlap[];
  /** The longest unexplained overlap (ms), 0 when none. */
  readonly longestUnexplainedMs: number;
}

/**
 * Per shard, finds pairs of runs by different processes that overlap in time (an open run lasts
 * until `now`). Touching runs (`a.end === b.start`) do not overlap.
 */
export function findRunOverlaps(
  runs: readonly AgentRun[],
  freezes: readonly FreezeWindow[],
  now: number,
  residualMs = 1000,
  forcedReleases: readonly ForcedRelease[] = [],
): RunOverlapReport {
  const byKey = new Map<string, AgentRun[]>();
  for (const run of runs) {
    const list = byKey.get(run.key) ?? [];
    list.push(run);
    byKey.set(run.key, list);
  }
  const overlaps: RunOverlap[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a.start - b.start);
    for (let i = 0; i < list.length; i += 1) {
      const first = list[i]!;
      const firstEnd = first.end ?? now;
      for (let j = i + 1; j < list.length && list[j]!.start < firstEnd; j += 1) {
        const second = list[j]!;
        if (second.pid === first.pid) continue;
        const ms = Math.min(firstEnd, second.end ?? now) - second.start;
        const frozen = freezes.some((f) => f.pid === first.pid && f.from <= second.start && second.start <= f.to && firstEnd <= f.to + residualMs);
        // the time the owner was awake (not frozen) between the forced release and its return
        const awake = (from: number): number => firstEnd - from - frozenWithin(freezes, first.pid, from, firstEnd);
        const forced =
          !frozen &&
          (forcedReleases.some((f) => f.pid === first.pid && f.at <= second.start && awake(f.at) <= residualMs) ||
            // a zombie start: the later run's process had lost its lock by force (unknowingly: it was
            // frozen or had not yet processed the socket event) and its run ended at once
            forcedReleases.some((f) => f.pid === second.pid && f.at <= second.start && (second.end ?? now) - second.start <= residualMs));
        overlaps.push({ key, first, second, ms, frozen, forced });
      }
    }
  }
  const unexplained = overlaps.filter((overlap) => !overlap.frozen && !overlap.forced);
  return { runs: runs.length, overlaps, unexplained, longestUnexplainedMs: unexplained.reduce((max, o) => Math.max(max, o.ms), 0) };
}

/**
 * Takeover after a fault at `at` on process `pid`: the shards it was running then, when its runs
 * of them ended (latest), and when each was started by another process (latest of the firsts).
 * `undefined` fields: it ran nothing, or some shard was never started elsewhere.
 */
export function takeoverAfter(
  runs: readonly AgentRun[],
  pid: number,
  at: number,
  /** Keys not expected to run anywhere afterwards (a removed tenant's shards): never "missing". */
  ignore: (key: string) => boolean = () => false,
): {
  readonly shards: number;
  readonly stoppedMs: number | undefined;
  readonly ownedElsewhereMs: number | undefined;
  readonly missing: readonly string[];
  /** The three shards taken over last, with their times (ms after `at`). */
  readonly slowest: readonly { readonly key: string; readonly ms: number }[];
} {
  const held = runs.filter((run) => run.pid === pid && run.start <= at && (run.end === undefined || run.end > at));
  let stopped: number | undefined = 0;
  let owned = 0;
  const missing: string[] = [];
  const times: { key: string; ms: number }[] = [];
  for (const run of held) {
    stopped = stopped === undefined || run.end === undefined ? undefined : Math.max(stopped, run.end - at);
    const next = runs.filter((other) => other.key === run.key && other.pid !== pid && other.start > at).sort((a, b) => a.start - b.start)[0];
    if (next === undefined) {
      if (!ignore(run.key)) missing.push(run.key);
    } else {
      owned = Math.max(owned, next.start - at);
      times.push({ key: run.key, ms: next.start - at });
    }
  }
  const slowest = times.sort((a, b) => b.ms - a.ms).slice(0, 3);
  return {
    shards: held.length,
    stoppedMs: held.length === 0 ? undefined : stopped,
    ownedElsewhereMs: held.length === 0 || missing.length > 0 ? undefined : owned,
    missing,
    slowest,
  };
}

/** How long `pid` was frozen within [from, to] (ms). */
function frozenWithin(freezes: readonly FreezeWindow[], pid: number, from: number, to: number): number {
  let total = 0;
  for (const f of freezes) if (f.pid === pid) total += Math.max(0, Math.min(to, f.to) - Math.max(from, f.from));
  return total;
}
