import type { AppLock, AttainOptions, LockId } from '@polecat/app-lock';
import type { DatabaseMembership } from '../../cluster-membership';
import type { ProjectionSet } from '../../projection-set';
import { MEMBER_JOINED_NOTICE } from '../../release-reasons';

/** An AppLock that implements the optional `probeLocks` extra. */
export type ProbingLock = AppLock & Required<Pick<AppLock, 'probeLocks'>>;

/** `true` when `lock` implements `probeLocks`. */
export function canProbe(lock: AppLock): lock is ProbingLock {
  return typeof lock.probeLocks === 'function';
}

/**
 * Probes one database: ONE `probeLocks` round trip over every member slot and the lock ids of the
 * given sets not held here. When this node holds no slot yet (first use, or its connection died
 * and took the slot along), it takes a random free one: a second round trip, in join cycles only.
 * Losing that race leaves it a non-member until the next probe (it still counts itself).
 */
export async function probeDatabase(
  lock: ProbingLock,
  slots: readonly string[],
  sets: readonly ProjectionSet[],
  random: () => number,
  options: AttainOptions = {},
): Promise<DatabaseMembership> {
  return (await probeRing(lock, slots, sets, random, options)).membership;
}

/** A probe's membership plus the ring it saw: the member slot this node watches. */
export interface RingView {
  readonly membership: DatabaseMembership;
  /** The member slots live at the probe (this node's included once it holds one), and the leaving markers of others. */
  readonly liveSlots: ReadonlySet<string>;
  /** Whether another node's leaving marker was live (see `LEAVING_SUFFIX`). */
  readonly leaving: boolean;
  /** Lock ids of the sets seen free. */
  readonly freeIds: ReadonlySet<LockId>;
  /**
   * The member slot of this node's predecessor: the next lower live slot index, cyclic (the
   * highest one for the lowest member). `undefined` while this node is no member or alone.
   */
  readonly predecessor?: string;
}

/**
 * The member slot a joining node takes: the lowest free slot above every live one, so that it ranks
 * after every member already there (ranks follow slot order) and the `sets % liveNodes` members
 * holding one set more keep it: a join moves only the sets the joiner's share needs. Nodes joining
 * at the same instant pick the same slot; the losers take the next one at their next probe. When
 * the highest slot is live, a random free one (the ranks then shift once).
 */
function joinSlot(slots: readonly string[], seen: ReadonlySet<LockId>, random: () => number): string | undefined {
  let highest = -1;
  slots.forEach((slot, index) => {
    if (seen.has(slot)) highest = index;
  });
  const above = slots.slice(highest + 1).find((slot) => !seen.has(slot));
  if (above !== undefined) return above;
  const free = slots.filter((slot) => !seen.has(slot));
  return free[Math.floor(random() * free.length)];
}

/** Extras of {@link probeRing}. */
export interface RingProbeExtras {
  /**
   * A lock id: a node that has just taken its slot also takes and releases it (two round trips, in
   * join cycles only), so a lock with release notices tells every other node at once that a member
   * joined: nodes that poll slowly while watched re-balance without waiting.
   */
  readonly joinNotice?: LockId;
  /** A narrow probe: only the sets with one of these lock ids are asked about (see `narrowCandidates`); the others count as held. */
  readonly only?: ReadonlySet<LockId>;
  /** The leaving markers of the slots, asked about too (see `LEAVING_SUFFIX`). */
  readonly markers?: readonly string[];
}

/** {@link probeDatabase}, also naming the predecessor's slot and what the memory of the next probe needs (see {@link RingView}). */
export async function probeRing(
  lock: ProbingLock,
  slots: readonly string[],
  sets: readonly ProjectionSet[],
  random: () => number,
  options: AttainOptions = {},
  extras: RingProbeExtras = {},
): Promise<RingView> {
  const { joinNotice, only, markers = [] } = extras;
  // one pass over the sets (100 000 per probe at that size): the unheld ones, their ids once each
  const unheld: ProjectionSet[] = [];
  const unheldIds = new Set<LockId>();
  const ids: LockId[] = [...slots, ...markers];
  for (const set of sets) {
    if (only !== undefined && !only.has(set.lockId)) continue;
    if (lock.hasLock(set.lockId)) continue;
    unheld.push(set);
    if (unheldIds.has(set.lockId)) continue;
    unheldIds.add(set.lockId);
    ids.push(set.lockId);
  }
  const seen = new Set(await lock.probeLocks(ids, options));
  let member = slots.some((slot) => lock.hasLock(slot));
  if (!member) {
    const pick = joinSlot(slots, seen, random);
    if (pick !== undefined && (await lock.tryAttainLock(pick, options))) {
      member = true;
      seen.add(pick);
      if (joinNotice !== undefined && typeof lock.onReleaseNotice === 'function' && (await lock.tryAttainLock(joinNotice, options))) {
        await lock.releaseLock(joinNotice, { reason: MEMBER_JOINED_NOTICE });
      }
    }
  }
  const live = slots.filter((slot) => seen.has(slot) || lock.hasLock(slot));
  const liveNodes = live.length + (member ? 0 : 1);
  const free = new Set<string>();
  const freeIds = new Set<LockId>();
  for (const set of unheld) {
    if (seen.has(set.lockId) || lock.hasLock(set.lockId)) continue;
    free.add(set.key);
    freeIds.add(set.lockId);
  }
  const rank = member ? live.findIndex((slot) => lock.hasLock(slot)) : -1;
  const membership = rank >= 0 ? { liveNodes, free, member, rank } : { liveNodes, free, member };
  const predecessor = rank >= 0 && live.length >= 2 ? live[(rank - 1 + live.length) % live.length] : undefined;
  const leavers = markers.filter((marker) => seen.has(marker) && !lock.hasLock(marker));
  const view = { membership, liveSlots: new Set([...live, ...leavers]), leaving: leavers.length > 0, freeIds };
  return predecessor === undefined ? view : { ...view, predecessor };
}

/**
 * Splits ONE probe of a lock home (member slots per home, the unheld sets of all its databases) into
 * one {@link DatabaseMembership} per database. Every database sees the same live nodes; the rank is
 * rotated per database by a stable hash of its id (the same on every node), so that the
 * `sets % liveNodes` extra sets of many small databases spread over the nodes instead of all going
 * to the first ranks.
 */
export function splitHomeMembership(
  home: DatabaseMembership,
  byDatabase: ReadonlyMap<string, readonly ProjectionSet[]>,
  rotation: (databaseId: string) => number,
): Map<string, DatabaseMembership> {
  const result = new Map<string, DatabaseMembership>();
  for (const [databaseId, sets] of byDatabase) {
    const free = new Set(sets.filter((set) => home.free.has(set.key)).map((set) => set.key));
    const base = { liveNodes: home.liveNodes, free, member: home.member };
    result.set(databaseId, home.rank === undefined ? base : { ...base, rank: (home.rank + rotation(databaseId)) % home.liveNodes });
  }
  return result;
}
