import type { ProjectionSet } from '@polecat/distributors';
import type { OwnershipIntents, WithholdReason } from '../../ownership-intents';
import type { ClusterView } from '../../ownership-policy';
import type { Coordination } from '../coordination';
import type { Observation } from './observe';
import { planCycle, type CycleInput, type CyclePlan } from './plan-cycle';
import { settleWindowMs } from './settle-window';

/** The reason `set` is withheld under `intents`, or `undefined` when it may run here. */
export function withholdReason(intents: OwnershipIntents, set: ProjectionSet): WithholdReason | undefined {
  if (intents.paused.size > 0) {
    if (intents.paused.has(set.key)) return 'paused';
    for (const shard of set.names) if (intents.paused.has(shard.identity)) return 'paused';
  }
  return intents.draining ? 'draining' : undefined;
}

/** The planner's input for this cycle: what was observed and pure reads of this node's state. */
export function cycleInput(c: Coordination, observed: Observation, view: ClusterView | undefined, now: number): CycleInput {
  const { distributor, ownership } = c;
  const intents = observed.intents;
  const withheld = intents === undefined || (!intents.draining && intents.paused.size === 0) ? undefined : intents;
  return {
    distribution: observed.sets,
    isHeld: (set) => distributor.hasLock(set),
    tracked: ownership.tracked(),
    isDraining: (set) => ownership.isDraining(set),
    agentState: (set, shard) => ownership.agentState(set, shard),
    restartDelay: (set, shard) => ownership.failures.restartDelay(set, shard),
    settle: { windowMs: settleWindowMs(c.settings), since: (set) => ownership.entry(set.key)?.since },
    failingTooOften: (set, shard) => ownership.failures.shouldHandOver(set, shard),
    backoff: ownership.backoff.entries,
    now,
    settings: c.settings,
    ...(c.policy === undefined ? {} : { policy: c.policy }),
    ...(view === undefined ? {} : { cluster: view }),
    ...(c.isStaleEpoch === undefined ? {} : { isStaleEpoch: c.isStaleEpoch }),
    ...(withheld === undefined ? {} : { withheld: (set: ProjectionSet) => withholdReason(withheld, set) }),
  };
}

/** Step 2, plan: the cycle's decisions from what it observed (pure, see `planCycle`). */
export function plan(c: Coordination, observed: Observation, view: ClusterView | undefined = observed.cluster, now: number = observed.startedAt): CyclePlan {
  return planCycle(cycleInput(c, observed, view, now));
}
