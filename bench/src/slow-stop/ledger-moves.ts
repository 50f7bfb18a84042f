import type { LedgerInterval, OwnershipLedger } from '@polecat/test-utils';

/** One shard moving between nodes: its old agent returned at `returned`, it ran on `to` from `elsewhere`. */
export interface HandOver {
  readonly shard: string;
  readonly from: string;
  readonly to: string;
  readonly returned: number;
  readonly elsewhere: number;
}

/** Every shard's intervals, by start. */
function byShard(ledger: OwnershipLedger): Map<string, LedgerInterval[]> {
  const shards = new Map<string, LedgerInterval[]>();
  for (const interval of ledger.intervals()) {
    const list = shards.get(interval.shard) ?? [];
    list.push(interval);
    shards.set(interval.shard, list);
  }
  for (const list of shards.values()) list.sort((a, b) => a.start - b.start);
  return shards;
}

/**
 * The moves whose old agent returned in `[from, to)`: each interval that ended there followed by
 * the shard's next interval on ANOTHER node (a restart on the same node is not a move).
 */
export function handOvers(ledger: OwnershipLedger, from: number, to: number): HandOver[] {
  const moves: HandOver[] = [];
  for (const [shard, list] of byShard(ledger)) {
    list.forEach((old, index) => {
      if (old.stop === undefined || old.stop < from || old.stop >= to) return;
      const next = list[index + 1];
      if (next !== undefined && next.node !== old.node) moves.push({ shard, from: old.node, to: next.node, returned: old.stop, elsewhere: next.start });
    });
  }
  return moves;
}

/** Shards that started on a node other than their previous one in `[from, to)`: each is one move. */
export function movesBetween(ledger: OwnershipLedger, from: number, to: number): number {
  let moves = 0;
  for (const list of byShard(ledger).values()) {
    for (let i = 1; i < list.length; i += 1) {
      const interval = list[i]!;
      if (interval.start >= from && interval.start < to && interval.node !== list[i - 1]!.node) moves += 1;
    }
  }
  return moves;
}

/** Sum over `shards` of the time in `[from, to]` during which the shard ran on no node (ms). */
export function nowhereMs(ledger: OwnershipLedger, shards: readonly string[], from: number, to: number): number {
  const all = byShard(ledger);
  let nowhere = 0;
  for (const shard of shards) {
    let covered = from; // [from, covered) is known to have run somewhere or been counted
    for (const interval of all.get(shard) ?? []) {
      const start = Math.max(interval.start, from);
      const stop = Math.min(interval.stop ?? to, to);
      if (stop <= covered) continue;
      if (start > covered) nowhere += start - covered;
      covered = Math.max(covered, stop);
    }
    if (covered < to) nowhere += to - covered;
  }
  return nowhere;
}

/**
 * The fewest shards a membership change must move for every node to run its fair share: `counts`
 * is what each node runs before the change; `after` the nodes after it (a joining node with 0; a
 * leaving node is absent, so all of its shards move). Fair share: ⌊S/n⌋ each, one more for
 * S mod n nodes, those going to the nodes that run most already.
 */
export function minimumMoves(counts: ReadonlyMap<string, number>, after: readonly string[]): number {
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const share = Math.floor(total / after.length);
  let extra = total % after.length;
  let moves = 0;
  for (const [node, count] of counts) if (!after.includes(node)) moves += count;
  const staying = [...after].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0));
  for (const node of staying) {
    const target = share + (extra > 0 ? 1 : 0);
    if (extra > 0) extra -= 1;
    moves += Math.max(0, (counts.get(node) ?? 0) - target);
  }
  return moves;
}
