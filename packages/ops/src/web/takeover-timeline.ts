import type { ClusterSnapshot } from '../cluster-snapshot';

/** One change of a set's holder between two snapshots. */
export interface TimelineEntry {
  /** Snapshot time of the change (ISO 8601). */
  readonly at: string;
  readonly set: string;
  readonly shards: readonly string[];
  /** Previous holder (node id, or `session N`); absent when nobody held it. */
  readonly from?: string;
  /** New holder; absent when nobody holds it now. */
  readonly to?: string;
}

const holderOf = (set: ClusterSnapshot['sets'][number]): string | undefined =>
  set.holder === undefined ? undefined : (set.holder.nodeId ?? `session ${set.holder.session}`);

/** The holder changes from `previous` to `next` (pure; the first snapshot yields one entry per held set). */
export function diffHolders(previous: ClusterSnapshot | undefined, next: ClusterSnapshot): TimelineEntry[] {
  const before = new Map((previous?.sets ?? []).map((set) => [set.key, holderOf(set)]));
  const entries: TimelineEntry[] = [];
  for (const set of next.sets) {
    const from = before.get(set.key);
    const to = holderOf(set);
    if (from === to) continue;
    entries.push({ at: next.at, set: set.key, shards: set.shards, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
  }
  return entries;
}
