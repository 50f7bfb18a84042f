import type { ProjectionSet } from '@polecat/distributors';
import { CoordinatorError } from './coordinator-error';
import type { ClusterView, OwnershipContext, OwnershipDecision, OwnershipPolicy } from './ownership-policy';

/** How {@link fairShareOwnershipPolicy} groups sets when computing a share. */
export const FAIR_SHARE_SCOPES = [
  /** A share per database: `ceil(sets of the database / live nodes on it)` (SingleTenant). */
  'database',
  /** One share over all databases: `ceil(all sets / live nodes)` (MultiTenanted: one set per database). */
  'cluster',
] as const;

/** One of {@link FAIR_SHARE_SCOPES}. */
export type FairShareScope = (typeof FAIR_SHARE_SCOPES)[number];

/** Options of {@link fairShareOwnershipPolicy}. */
export interface FairShareOptions {
  /** Default `'database'`. The coordinator's default policy uses `'cluster'` for a MultiTenanted distributor. */
  readonly scope?: FairShareScope;
  /**
   * Most sets handed over per cycle by a node above its share (bounded rebalancing: agents are
   * stopped, then locks released, a few at a time). Default: `max(1, ceil(share / 10))`, or half
   * the excess (`excess`: sets held above the share) while the excess is larger than the share: a
   * node holding more than twice its share (the first node of a rolling start took every set)
   * sheds half its excess per cycle, so balance after a start takes about `log2(excess / share)`
   * cycles plus ten instead of `excess / (share / 10)`; a join moves what it did before.
   */
  readonly maxHandOverPerCycle?: number;
  /**
   * A set seen free by consecutive probes for this long is attempted even by a node at (or above)
   * its share: an orphan is never left unowned, even while member counts are stale or some holder
   * takes no member slot (a .NET node). Default `1500` ms; the coordinator's default policy uses
   * `3 × takeoverPollingTimeMs`.
   */
  readonly orphanGraceMs?: number;
}

function checkCount(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isFinite(value) || value < min)) {
    throw new CoordinatorError('INVALID_CONFIGURATION', `fairShareOwnershipPolicy: ${name} must be a number >= ${min}, got ${String(value)}`);
  }
}

interface Group {
  readonly distribution: ProjectionSet[];
  readonly owned: ProjectionSet[];
  readonly candidates: ProjectionSet[];
  readonly databases: Set<string>;
}

function groupSets(context: OwnershipContext, scope: FairShareScope): Map<string, Group> {
  const groups = new Map<string, Group>();
  const groupOf = (set: ProjectionSet): Group => {
    const key = scope === 'cluster' ? '*' : set.database.id;
    let group = groups.get(key);
    if (group === undefined) {
      group = { distribution: [], owned: [], candidates: [], databases: new Set() };
      groups.set(key, group);
    }
    group.databases.add(set.database.id);
    return group;
  };
  for (const set of context.distribution) groupOf(set).distribution.push(set);
  for (const set of context.owned) groupOf(set).owned.push(set);
  for (const set of context.candidates) groupOf(set).candidates.push(set);
  return groups;
}

/**
 * This node's share of `group`: with `sets = live × base + extra`, the members ranked below `extra`
 * (in member-slot order, the same on every node) hold `base + 1`, the others `base`; the shares add
 * up to the set count, so no node stays idle while another holds two more, and a node above its share
 * always has someone below to hand over to (no churn). Without a rank (no member slot yet), or when
 * the group spans databases whose live counts differ, the old bound `ceil(sets / live)`. A group
 * over several databases (scope `'cluster'`) ranks by the first database (by id) every node is counted on.
 */
function shareOf(group: Group, cluster: ClusterView, live: number): number {
  const sets = group.distribution.length;
  const ceiling = Math.ceil(sets / live);
  const databases = [...group.databases].sort();
  if (databases.some((id) => cluster.liveNodes.get(id) !== live)) return ceiling;
  const rank = cluster.ranks?.get(databases[0]!);
  if (rank === undefined || rank >= live) return ceiling;
  return Math.floor(sets / live) + (rank < sets % live ? 1 : 0);
}

/**
 * Which `room` of the `free` sets to attempt. Without a rank: the first ones (the candidates come
 * in a random order per node). With a rank (every node sees the same ranks and the same free sets):
 * the free sets in key order, from an offset that skips the rooms the lower-ranked members are
 * estimated to fill (their shares minus an even split of the held sets), so that survivors of a
 * crash, woken at the same instant, take disjoint sets instead of colliding and retrying (each
 * retry costs another cycle and another `takeoverGraceMs`). An estimate only: a collision is just
 * a denied attempt, retried as before.
 */
function pickFree(free: readonly ProjectionSet[], room: number, group: Group, cluster: ClusterView, live: number): readonly ProjectionSet[] {
  if (room <= 0) return [];
  if (free.length <= room) return free;
  const databases = [...group.databases].sort();
  const rank = cluster.ranks?.get(databases[0]!);
  if (rank === undefined || rank >= live || databases.some((id) => cluster.liveNodes.get(id) !== live)) return free.slice(0, room);
  const sets = group.distribution.length;
  const heldEach = (sets - free.length) / live;
  // Each lower-ranked member's room estimated as its share minus an even split of the held sets,
  // rounded (disjoint blocks when the holdings are even, as after a crash). When the rounded rooms
  // do not cover the free sets (uneven holdings: one node shedding half a rolling start's sets,
  // `heldEach` 0.6 of a share of 1, every room rounded to 0), the fractional rooms instead: rounding
  // sent every member to offset 0, all claimed the same set and one won per poll.
  let rounded = 0;
  let fractional = 0;
  let roundedTotal = 0;
  for (let other = 0; other < live; other++) {
    const share = Math.floor(sets / live) + (other < sets % live ? 1 : 0);
    const room = Math.max(0, share - heldEach);
    if (other < rank) {
      rounded += Math.round(room);
      fractional += room;
    }
    roundedTotal += Math.round(room);
  }
  const offset = roundedTotal >= free.length ? rounded : Math.floor(fractional);
  const ordered = [...free].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return Array.from({ length: room }, (_, index) => ordered[(offset + index) % ordered.length]!);
}

/**
 * The default `maxHandOverPerCycle` of a node holding `excess` sets above `share`: a tenth of its
 * share, or half its excess while that is more than its share (more than twice the share held).
 */
function defaultHandOverLimit(share: number, excess: number): number {
  const tenth = Math.max(1, Math.ceil(share / 10));
  return excess > share ? Math.max(tenth, Math.ceil(excess / 2)) : tenth;
}

/**
 * Even load across live nodes (counted through member-slot locks, see
 * `ProjectionDistributor.probeMembership`): each node holds its fair share and hands extras over
 * gracefully. With `sets = liveNodes × base + extra`, the first `extra` members (in member-slot
 * order, which every node sees alike) hold `base + 1` and the others `base` (4 sets on 3 nodes:
 * 2/1/1, never 2/2/0); a node that does not know its rank yet uses `ceil(sets / liveNodes)`.
 *
 * - Under its share, a node attempts the sets NOBODY holds (the probe says which), up to its room:
 *   never sets other nodes hold, so a free one is never missed.
 * - Above its share it hands over at most `maxHandOverPerCycle` sets per cycle (agents stopped,
 *   then locks released; by default a tenth of its share, or half its excess while that is more than its share). At exactly its share it does nothing (hysteresis: no ping-pong). A new
 *   node thus receives sets from the nodes above the new share; when a node dies, its member slot
 *   and its set locks vanish together, so the others' shares grow as its sets become free.
 * - A set free for `orphanGraceMs` is attempted by anyone (availability beats balance); the
 *   taker, now above its share, hands one over later if someone has room.
 * - Without a probe result for a database (lock without `probeLocks`, probe failed) it behaves like
 *   the original for that database: attempt every candidate, hand nothing over.
 *
 * While it holds fewer sets than exist it asks for the fast poll (`takeoverPollingTimeMs`): each poll
 * costs one probe round trip per database, plus one attempt round trip when something is free and
 * it has room.
 * @example new ProjectionCoordinator({ mode: 'HotCold', distributor, daemonFor, policy: fairShareOwnershipPolicy({ maxHandOverPerCycle: 2 }) })
 */
export function fairShareOwnershipPolicy(options: FairShareOptions = {}): OwnershipPolicy {
  const scope = options.scope ?? 'database';
  if (!FAIR_SHARE_SCOPES.includes(scope)) throw new CoordinatorError('INVALID_CONFIGURATION', `fairShareOwnershipPolicy: unknown scope ${String(scope)}`);
  checkCount('maxHandOverPerCycle', options.maxHandOverPerCycle, 1);
  checkCount('orphanGraceMs', options.orphanGraceMs, 0);
  const orphanGraceMs = options.orphanGraceMs ?? 1500;
  return Object.freeze({
    usesMembership: true,
    select(context: OwnershipContext): OwnershipDecision {
      const cluster = context.cluster;
      if (cluster === undefined) return { attempt: context.candidates };
      const attempt: ProjectionSet[] = [];
      const handOver: ProjectionSet[] = [];
      for (const group of groupSets(context, scope).values()) {
        const counts = [...group.databases].flatMap((id) => {
          const live = cluster.liveNodes.get(id);
          return live === undefined ? [] : [live];
        });
        if (counts.length === 0) {
          attempt.push(...group.candidates); // not probed: the original's behaviour for this group
          continue;
        }
        const live = Math.max(1, ...counts);
        const share = shareOf(group, cluster, live);
        const room = share - group.owned.length;
        const free = group.candidates.filter((set) => cluster.freeSince.has(set.key));
        const taken = Math.max(0, room);
        const picked = pickFree(free, taken, group, cluster, live);
        attempt.push(...picked);
        const pickedKeys = new Set(picked.map((set) => set.key));
        for (const set of free) {
          if (!pickedKeys.has(set.key) && cluster.now - cluster.freeSince.get(set.key)! >= orphanGraceMs) attempt.push(set);
        }
        if (room < 0) {
          const limit = options.maxHandOverPerCycle ?? defaultHandOverLimit(share, -room);
          handOver.push(...group.owned.slice(group.owned.length - Math.min(-room, limit)));
        }
      }
      return { attempt, handOver, pollSoon: context.candidates.length > 0 || handOver.length > 0 };
    },
  });
}
