import type { ProjectionSet } from '@polecat/distributors';
import type { ClusterView } from '../../ownership-policy';
import type { Coordination } from '../coordination';
import { apply, databaseIds } from './apply';
import { attempt } from './attempt';
import type { CycleOutcome } from './next-sleep';
import { observe, type LoopRun } from './observe';
import { plan as planFrom } from './plan';
import type { CyclePlan } from './plan-cycle';
import { startGranted } from './start';

/**
 * A node that wants nothing now (attempted nothing, hands nothing over, no set free) and whose
 * every database is watched (`ProjectionDistributor.isMembershipWatched`: a member watcher armed on
 * a healthy connection, and release notices) keeps the slow poll (`leadershipPollingTimeMs`) instead
 * of the takeover poll: a member's death reaches it through its watcher (or, on PostgreSQL,
 * through the successor's release notice), a hand-over through a release notice. The slow poll
 * stays as the fallback for what no event reports. (A hand-over the settle window holds back does
 * not need the takeover poll either: `nextSleep` wakes the loop when the window ends.)
 */
function watchedStandby(c: Coordination, sets: readonly ProjectionSet[], plan: CyclePlan, cluster: ClusterView | undefined): boolean {
  const watched = c.distributor.isMembershipWatched?.bind(c.distributor);
  if (watched === undefined || cluster === undefined) return false;
  if (plan.attempt.length > 0 || plan.handOver.length > 0 || cluster.freeSince.size > 0) return false;
  for (const databaseId of databaseIds(sets)) if (!cluster.liveNodes.has(databaseId) || !watched(databaseId)) return false;
  return true;
}

/**
 * One cycle: observe -> plan -> apply -> attempt -> start (each step its own file). Resolves with
 * what the sleep after it depends on (`nextSleep`), or `undefined` when the run was aborted. Never
 * rejects on an expected failure: those are logged, reported and retried next cycle.
 */
export async function runCycle(c: Coordination, run: LoopRun): Promise<CycleOutcome | undefined> {
  const { signal } = run;
  const startedAt = c.clock.now();
  const observed = await observe(c, run, startedAt);
  if (observed === undefined) return undefined;
  if (observed === 'failed') {
    return { startedAt, planned: false, attempted: 0, granted: 0, pausedAtPlan: false, pausedAtEnd: false, pollSoon: false };
  }
  const plan = planFrom(c, observed);
  if (!(await apply(c, observed, plan, signal))) return undefined;
  const result = await attempt(c, run, observed, plan);
  if (result === undefined) return undefined;
  await startGranted(c, observed, result, signal);

  const { ownership, logger } = c;
  const owned = ownership.trackedCount();
  logger.debug('coordinator cycle', {
    owned,
    // listed only for small nodes, not 10 000 ids every cycle
    ...(owned <= 100 ? { ownedLockIds: ownership.tracked().map((set) => set.lockId) } : {}),
    attempted: result.attempted.length,
    granted: result.granted.size,
    total: observed.sets.length,
  });
  return {
    startedAt: observed.startedAt,
    planned: true,
    attempted: result.attempted.length,
    granted: result.granted.size,
    pausedAtPlan: observed.anyPaused,
    pausedAtEnd: c.daemons.anyPaused(),
    // (a denial polls soon anyway: no need to ask the watchers)
    pollSoon: plan.pollSoon && (result.granted.size < result.attempted.length || !watchedStandby(c, observed.sets, plan, observed.cluster)),
    ...(plan.settlesAt === undefined ? {} : { settlesAt: plan.settlesAt }),
  };
}
