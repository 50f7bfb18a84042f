import type { ClusterSnapshot, SetView } from '../cluster-snapshot';

/**
 * Why a set changed hands, as the web view's timeline says it:
 * - `killed`: its holder's session died and the node has no lock session left (SIGKILL, crash);
 * - `lock lost`: its holder's lock went away while the node lives on (connection lost, terminated);
 * - `stopped`, `drained`, `paused`, `balanced`, `failing`: a live holder let go, and said why (its
 *   release notice, or the recorded pause / drain intent);
 * - `released`: a live holder let go without saying why (no notice heard);
 * - `taken`: a free set was taken (after its release, or a new set); `resumed`: taken after a pause.
 */
export type TimelineCause = 'killed' | 'lock lost' | 'stopped' | 'drained' | 'paused' | 'balanced' | 'failing' | 'released' | 'taken' | 'resumed';

/** One change of a set's holder between two snapshots. */
export interface TimelineEntry {
  /** Snapshot time of the change (ISO 8601). */
  readonly at: string;
  /** The set's key (`{database}/{lockId}`). */
  readonly set: string;
  /** Shard identities (`Trip:All`). */
  readonly shards: readonly string[];
  /** Previous holder (node id, or `session N`); absent when nobody held it. */
  readonly from?: string;
  /** New holder; absent when nobody holds it now. */
  readonly to?: string;
  /** Why (see {@link TimelineCause}). */
  readonly cause: TimelineCause;
}

/** A release notice heard between two snapshots: the releasing server session and its reason. */
export interface HeardReleaseNotice {
  /** Server session (PostgreSQL backend pid) that released. */
  readonly session: number;
  /** The release reason it sent (`stopped`, `drained`, `paused`, `balanced`, ...), if any. */
  readonly reason?: string;
}

const NOTICE_CAUSES: Readonly<Record<string, TimelineCause>> = {
  stopped: 'stopped',
  drained: 'drained',
  paused: 'paused',
  balanced: 'balanced',
  'agents-failing': 'failing',
  'agent-stopped': 'released',
};

const holderOf = (set: SetView): string | undefined => (set.holder === undefined ? undefined : (set.holder.nodeId ?? `session ${set.holder.session}`));

/** Why `before`'s holder let the set go (see {@link TimelineCause}). */
function releaseCause(before: SetView, next: ClusterSnapshot, after: SetView | undefined, notices: ReadonlyMap<number, string | undefined>): TimelineCause {
  const holder = before.holder!;
  if (notices.has(holder.session)) {
    const reason = notices.get(holder.session);
    return (reason === undefined ? undefined : NOTICE_CAUSES[reason]) ?? 'released';
  }
  if (after?.paused !== undefined) return 'paused';
  const node = holder.nodeId === undefined ? undefined : next.nodes.find((view) => view.nodeId === holder.nodeId);
  if (node?.draining !== undefined) return 'drained';
  if (node === undefined || !node.live) return 'killed';
  return 'lock lost';
}

/** How long after a `lock lost` entry its node may still turn out dead (its other sessions linger a moment: a waiting member watcher). */
export const KILLED_WINDOW_MS = 15_000;

/**
 * Re-reads recent `lock lost` entries against `next`: a holder whose node has no lock session left
 * within {@link KILLED_WINDOW_MS} of the change was `killed` (its other sessions, e.g. a waiting
 * member watcher, outlived the holding one by a moment). Pure; returns `timeline` when nothing changed.
 */
export function reviseCauses(timeline: readonly TimelineEntry[], next: ClusterSnapshot): readonly TimelineEntry[] {
  const now = Date.parse(next.at);
  let changed = false;
  const revised = timeline.map((entry) => {
    if (entry.cause !== 'lock lost' || entry.from === undefined || now - Date.parse(entry.at) > KILLED_WINDOW_MS) return entry;
    const node = next.nodes.find((view) => view.nodeId === entry.from);
    if (node !== undefined && node.live) return entry;
    changed = true;
    return { ...entry, cause: 'killed' as const };
  });
  return changed ? revised : timeline;
}

/**
 * The holder changes from `previous` to `next`, each with its cause (pure). The first snapshot
 * (`previous` undefined) yields nothing: what is held at page load is state, not an event.
 * `notices`: the release notices heard since `previous` (a live holder that said why).
 */
export function diffHolders(previous: ClusterSnapshot | undefined, next: ClusterSnapshot, notices: readonly HeardReleaseNotice[] = []): TimelineEntry[] {
  if (previous === undefined) return [];
  const heard = new Map(notices.map((notice) => [notice.session, notice.reason]));
  const before = new Map(previous.sets.map((set) => [set.key, set]));
  const entries: TimelineEntry[] = [];
  for (const set of next.sets) {
    const earlier = before.get(set.key);
    const from = earlier === undefined ? undefined : holderOf(earlier);
    const to = holderOf(set);
    if (from === to && earlier?.holder?.session === set.holder?.session) continue;
    let cause: TimelineCause;
    if (earlier?.holder !== undefined) cause = releaseCause(earlier, next, set, heard);
    else cause = earlier?.paused !== undefined && set.paused === undefined ? 'resumed' : 'taken';
    entries.push({ at: next.at, set: set.key, shards: set.shards, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }), cause });
  }
  return entries;
}
