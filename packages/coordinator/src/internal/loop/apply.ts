import { releaseOptionsFor } from '../release-notice-reason';
import type { ProjectionSet } from '@polecat/distributors';
import type { HandOverReason } from '../../coordinator-events';
import type { Coordination } from '../coordination';
import type { IntentReader } from './intent-reader';
import type { Observation } from './observe';
import type { CyclePlan, StartAction } from './plan-cycle';

/** Hand-overs after which this node backs off the set (someone else should take it first), with the cause. */
const HAND_OVER_BACKOFF: Partial<Record<HandOverReason, string>> = {
  'agent-stopped': 'agent stopped on its own',
  'stale-epoch': 'an agent was refused with a stale fencing epoch',
  'agents-failing': 'an agent kept failing here',
};

function groupBySet(actions: readonly StartAction[]): Map<string, StartAction[]> {
  const bySet = new Map<string, StartAction[]>();
  for (const action of actions) {
    const list = bySet.get(action.set.key) ?? [];
    list.push(action);
    bySet.set(action.set.key, list);
  }
  return bySet;
}

/** The database ids of `sets` (consecutive repeats skipped without hashing). */
export function databaseIds(sets: readonly ProjectionSet[]): Set<string> {
  const ids = new Set<string>();
  let last: string | undefined;
  for (const set of sets) {
    if (set.database.id === last) continue;
    last = set.database.id;
    ids.add(last);
  }
  return ids;
}

/**
 * A draining node leaves the membership once, so the others stop counting it when sharing the sets
 * out (they would hand sets back and forth to make room for a node that takes none). With a
 * distributor that offers `leaveMembership`, at the START of the drain, before it hands anything
 * over: every probe that sees one of its sets free already counts the nodes without it. Otherwise
 * once it owns nothing (`releaseAll`: a set whose agents have not returned yet keeps its lock until
 * they have). The next membership probe after the drain ends takes a slot again.
 */
async function leaveMembership(c: Coordination, intents: IntentReader, when: 'start' | 'end'): Promise<void> {
  if (intents.leftMembership) return;
  const early = c.distributor.leaveMembership?.bind(c.distributor);
  if (when !== (early === undefined ? 'end' : 'start')) return;
  if (early === undefined && (c.ownership.trackedCount() > 0 || c.ownership.draining().length > 0)) return;
  try {
    await (early ?? (() => c.distributor.releaseAll(releaseOptionsFor('draining'))))();
    intents.leftMembership = true;
    c.logger.info(early === undefined ? 'draining: every set handed over; member slots released' : 'draining: member slots released; handing every set over');
  } catch (error) {
    c.logger.warn('draining: releasing the member slots failed; retrying next cycle', { error });
    c.errors.report(error);
  }
}

/**
 * Step 3, apply: stop the agents of sets not held, hand sets over (stop, then release), leave or
 * rejoin the membership while draining, dispose the daemons of databases gone, and start the
 * agents of held sets. Stops and hand-overs are started and tracked (`ownership.track`), never
 * awaited: a takeover of free sets never waits for a drain here, and a stop never waits for this
 * cycle (each set is released by its own drain once its agents returned; a draining set is
 * neither attempted nor started meanwhile). Resolves `false` when the run was aborted meanwhile.
 */
export async function apply(c: Coordination, observed: Observation, plan: CyclePlan, signal: AbortSignal): Promise<boolean> {
  const { ownership, logger } = c;
  const draining = observed.intents?.draining === true;
  if (draining && c.intents !== undefined) await leaveMembership(c, c.intents, 'start');
  if (signal.aborted) return false; // a stop or pause stops these agents itself
  for (const { set, reason } of plan.stop) ownership.track(ownership.stopSet(set, reason, false));
  for (const { set, reason } of plan.handOver) {
    logger.debug('handing set over', { set: set.key, lockId: set.lockId, reason });
    ownership.track(ownership.stopSet(set, reason, true));
    // (backed off from now: the drain's end wakes the loop, which must not take the set straight back)
    const backOffCause = HAND_OVER_BACKOFF[reason];
    if (backOffCause !== undefined) ownership.backOff(set, new Error(backOffCause));
  }
  if (draining && c.intents !== undefined) await leaveMembership(c, c.intents, 'end');
  else c.intents?.rejoined();
  // (a removed database's daemon waits for its agents: tracked as well, not awaited by the cycle)
  ownership.track(c.daemons.retain(databaseIds(observed.sets)));
  if (signal.aborted) return false;

  const bySet = groupBySet(plan.start);
  for (const set of plan.acquire) if (!bySet.has(set.key)) bySet.set(set.key, []);
  if (bySet.size > 0) {
    // (a steady cycle starts nothing: no map of every set for it)
    const held = new Map(observed.sets.map((set) => [set.key, set]));
    await Promise.all([...bySet.entries()].map(([key, actions]) => ownership.startAgents(held.get(key)!, actions)));
  }
  return true;
}
