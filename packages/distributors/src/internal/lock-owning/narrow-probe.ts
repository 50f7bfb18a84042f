import type { AppLock, LockId } from '@polecat/app-lock';
import type { ProjectionSet } from '../../projection-set';

/**
 * A full probe (every unheld set) at least this often even when nothing announced a change: a
 * holder that takes no member slot and sends no release notice (a .NET node, a lock without
 * notices on its side) can free sets silently.
 */
export const FULL_PROBE_REFRESH_MS = 30_000;

/**
 * Probes stay full until no release notice was heard for this long: a node that left the membership
 * to stop (its slot released, its sets released as its agents return, within `stopDrainTimeoutMs`,
 * 5 s by default) and dies meanwhile frees its remaining sets silently.
 */
export const QUIET_AFTER_NOTICE_MS = 10_000;

/**
 * A node that leaves the membership while it still holds sets (a stop or a drain: its slot is
 * released at once, its sets as their agents return) holds `{slot}:leaving` until its session ends
 * or it joins again: while any such marker is live every probe is full, and a marker gone (the
 * leaver died mid-drain, freeing its sets silently) is a member gone.
 */
export const LEAVING_SUFFIX = ':leaving';

/** The leaving marker of member slot `slot` (see {@link LEAVING_SUFFIX}). */
export function leavingIdOf(slot: string): string {
  return `${slot}${LEAVING_SUFFIX}`;
}

/** Whether `id` is a leaving marker. */
export function isLeavingId(id: LockId): id is string {
  return typeof id === 'string' && id.endsWith(LEAVING_SUFFIX);
}

/** What one lock owner's last membership probe saw, so that the next one may ask only about what can have changed. */
export interface ProbeMemory {
  /** The owner's release-notice count when the last FULL probe was sent. */
  readonly noticesAtFull: number;
  /** Clock ms when the last full probe was sent. */
  readonly fullAt: number;
  /** The owner's release-notice count when the last probe was sent. */
  readonly noticesSeen: number;
  /** Clock ms of the first probe that saw the current count (a notice came between it and the one before). */
  readonly noticeSeenAt: number;
  /** {@link fingerprintOf} the sets that probe covered. */
  readonly fingerprint: string;
  /** The member slots and leaving markers live at the last probe. */
  readonly liveSlots: ReadonlySet<string>;
  /** Whether another node's leaving marker was live at the last probe. */
  readonly leaving: boolean;
  /** Lock ids of the sets the last probe saw free. */
  readonly free: ReadonlySet<LockId>;
  /** Lock ids of the sets held here at the last probe. */
  readonly held: ReadonlySet<LockId>;
}

/**
 * The set count, sum and xor of the lock ids, whatever their order: changes when a set is added or
 * removed (one cheap pass, no allocation per set).
 */
export function fingerprintOf(sets: readonly ProjectionSet[]): string {
  let sum = 0;
  let xor = 0;
  for (const set of sets) {
    sum = (sum + set.lockId) | 0;
    xor ^= set.lockId;
  }
  return `${sets.length}:${sum}:${xor}`;
}

/** What the owner's lock and its notices look like now, for {@link narrowCandidates}. */
export interface ProbeState {
  readonly lock: AppLock;
  /** Release notices the owner has heard so far. */
  readonly notices: number;
  readonly now: number;
  readonly fingerprint: string;
  /** The member slots of the owner's scope. */
  readonly slots: readonly string[];
}

/** Whether a probe sent now must be full (see {@link narrowCandidates}). */
function mustBeFull(memory: ProbeMemory | undefined, state: ProbeState): boolean {
  if (memory === undefined || typeof state.lock.onReleaseNotice !== 'function' || state.lock.announcesReleases === false) return true;
  if (memory.leaving) return true;
  if (state.notices !== memory.noticesSeen || state.notices !== memory.noticesAtFull) return true;
  if (state.now - memory.noticeSeenAt < QUIET_AFTER_NOTICE_MS || state.now - memory.fullAt >= FULL_PROBE_REFRESH_MS) return true;
  return state.fingerprint !== memory.fingerprint || !state.slots.some((slot) => state.lock.hasLock(slot));
}

/**
 * The lock ids a NARROW probe asks about (besides the member slots), or `undefined` when the probe
 * must be full. Sets become free only by a release (which sends a release notice), by the end of a
 * session (its member slot goes with it; or, for a node that left the membership to stop, within
 * its drain after its last notice) or silently (a holder without slot or notices: the refresh
 * bound). So, with no notice heard since the last full probe nor for {@link QUIET_AFTER_NOTICE_MS},
 * no leaving marker live, the same sets, and the refresh not due, the only sets that can be free are those the last probe
 * saw free and those this node held then and no longer holds: a probe of those and the slots sees
 * what a full probe would. Always full: no memory yet, a lock without release notices (SQL Server:
 * its notice bell says "something changed", not what; `announcesReleases: false`), no member slot
 * held here. (A node whose releases send no notice, e.g. a .NET node or one with release notices off,
 * is seen releasing by the next full probe, at most {@link FULL_PROBE_REFRESH_MS} later.)
 */
export function narrowCandidates(memory: ProbeMemory | undefined, state: ProbeState): ReadonlySet<LockId> | undefined {
  if (mustBeFull(memory, state)) return undefined;
  const candidates = new Set<LockId>();
  for (const id of memory!.free) if (!state.lock.hasLock(id)) candidates.add(id);
  for (const id of memory!.held) if (!state.lock.hasLock(id)) candidates.add(id);
  return candidates;
}

/** The memory after a probe sent at `sentAt` with `notices` heard (`full`: it asked about every unheld set). */
export function rememberProbe(
  previous: ProbeMemory | undefined,
  probe: { readonly sentAt: number; readonly notices: number; readonly full: boolean; readonly fingerprint: string },
  seen: Pick<ProbeMemory, 'liveSlots' | 'leaving' | 'free' | 'held'>,
): ProbeMemory {
  const { sentAt, notices, full, fingerprint } = probe;
  return {
    noticesAtFull: full || previous === undefined ? notices : previous.noticesAtFull,
    fullAt: full || previous === undefined ? sentAt : previous.fullAt,
    noticesSeen: notices,
    noticeSeenAt:
      previous === undefined ? (notices === 0 ? Number.NEGATIVE_INFINITY : sentAt) : notices !== previous.noticesSeen ? sentAt : previous.noticeSeenAt,
    fingerprint,
    ...seen,
  };
}

/** Whether a member live at the last probe is gone (its session ended: its sets may be free, unannounced). */
export function memberGone(memory: ProbeMemory, liveSlots: ReadonlySet<string>): boolean {
  for (const slot of memory.liveSlots) if (!liveSlots.has(slot)) return true;
  return false;
}

/** The set lock ids `lock` holds (set ids are numbers; member slots and notice ids are strings). */
export function heldSetIds(lock: AppLock): Set<LockId> {
  const held = new Set<LockId>();
  for (const id of lock.heldLocks()) if (typeof id === 'number') held.add(id);
  return held;
}
