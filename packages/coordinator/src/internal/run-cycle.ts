import type { Clock, Logger } from '@polecat/app-lock';
import type { ProjectionDistributor, ProjectionSet } from '@polecat/distributors';
import type { CoordinatorEvents } from '../coordinator-events';
import type { CoordinatorSettings } from '../coordinator-settings';
import type { ClusterView, OwnershipPolicy } from '../ownership-policy';
import { planCycle, type HandOverReason, type StartAction } from '../plan-cycle';
import { withholdReason } from '../ownership-intents';
import type { ClusterObserver } from './cluster-observer';
import type { IntentReader } from './intent-reader';
import type { DaemonPool } from './daemon-pool';
import type { SetOwnership } from './set-ownership';
import type { TypedEmitter } from './typed-emitter';
import { describeSet } from './describe-set';

/** What one cycle works with. */
export interface CycleContext {
  readonly distributor: ProjectionDistributor;
  readonly daemons: DaemonPool;
  readonly ownership: SetOwnership;
  readonly settings: CoordinatorSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly events: TypedEmitter<CoordinatorEvents>;
  readonly policy?: OwnershipPolicy;
  /** Sends the membership probe for a policy with `usesMembership`. */
  readonly cluster?: ClusterObserver;
  /** The epoch source's `isStale`, when it has one (see `CycleInput.isStaleEpoch`). */
  readonly isStaleEpoch?: (error: unknown) => boolean;
  /** Operator intents (pause, drain), read once per cycle. */
  readonly intents?: IntentReader;
  readonly onError: (error: unknown, set?: ProjectionSet) => void;
  /** Whether a lock round trip to this database failed in the current cycle (its sets were not denied: nobody answered). */
  readonly failedThisCycle?: (databaseId: string) => boolean;
}

/** Hand-overs after which this node backs off the set (someone else should take it first), with the cause. */
const HAND_OVER_BACKOFF: Partial<Record<HandOverReason, string>> = {
  'agent-stopped': 'agent stopped on its own',
  'stale-epoch': 'an agent was refused with a stale fencing epoch',
};

/** Wait before the next cycle after one that won some attempted sets and lost others (contention). */
export const CONTENTION_RETRY_MS = 20;

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
function databaseIds(sets: readonly ProjectionSet[]): Set<string> {
  const ids = new Set<string>();
  let last: string | undefined;
  for (const set of sets) {
    if (set.database.id === last) continue;
    last = set.database.id;
    ids.add(last);
  }
  return ids;
}

/** Stops agents a daemon still runs for a set this node does not hold (the original's denied path). */
async function stopStrays(context: CycleContext, set: ProjectionSet): Promise<void> {
  const daemon = context.daemons.peek(set.database.id);
  if (daemon === undefined) return;
  for (const shard of set.names) {
    if (daemon.statusOf(shard)?.status !== 'Running') continue;
    await daemon.stopAgent(shard, new Error(`lock of ${describeSet(set)} not held here`));
    context.events.emit('agentStopped', { shard, database: set.database, reason: 'not-held' });
  }
}

/** Releases the grants beyond `keep` (in attempt order) before any agent starts; resolves with the kept keys. */
async function releaseSurplus(context: CycleContext, attempt: readonly ProjectionSet[], granted: ReadonlySet<string>, keep: number): Promise<ReadonlySet<string>> {
  const won = attempt.filter((set) => granted.has(set.key));
  if (won.length <= keep) return granted;
  const surplus = won.slice(keep);
  await Promise.all(
    surplus.map((set) =>
      context.distributor.release(set).catch((error: unknown) => {
        context.logger.warn('releasing a surplus grant failed', { set: set.key, error });
        context.onError(error, set);
      }),
    ),
  );
  return new Set(won.slice(0, keep).map((set) => set.key));
}

/**
 * When the agents of a set attained at `grantedAt` may start: `takeoverGraceMs` after the server
 * freed its lock, so that a previous owner whose session the server ended has that long to notice
 * and abort its agents first. The server freed it before `freeAt`, the answer of this cycle's
 * membership probe that listed it free, when there is one, and before its own grant otherwise.
 * A probe's answer comes earlier than the attempt's (by the planning and the attempt round trip,
 * the survivors of a crash competing for the CPU), so a takeover starts that much sooner. At least
 * half the grace still counts from the grant: a set that another node took and lost again between
 * the probe and the attempt (a few milliseconds) leaves its owner that much time to notice.
 */
export function agentStartAt(grantedAt: number, freeAt: number | undefined, graceMs: number): number {
  if (freeAt === undefined || freeAt > grantedAt) return grantedAt + graceMs;
  return Math.max(freeAt + graceMs, grantedAt + graceMs / 2);
}

/**
 * Starts the agents of sets attained this cycle once their takeover grace is over (see
 * {@link agentStartAt}; one wait per distinct start time, usually one for all). A set whose lock
 * is lost meanwhile starts nothing (`SetOwnership.acquire`).
 */
async function startAttained(
  context: CycleContext,
  attained: readonly ProjectionSet[],
  grantedAt: number,
  freeAt: (key: string) => number | undefined,
  signal: AbortSignal,
): Promise<void> {
  const grace = context.settings.takeoverGraceMs;
  const byStart = new Map<number, ProjectionSet[]>();
  for (const set of attained) {
    const at = grace > 0 ? agentStartAt(grantedAt, freeAt(set.key), grace) : grantedAt;
    const group = byStart.get(at);
    if (group === undefined) byStart.set(at, [set]);
    else group.push(set);
  }
  await Promise.all(
    [...byStart].map(async ([at, sets]) => {
      const waitMs = at - context.clock.now();
      if (waitMs > 0) {
        try {
          await context.clock.sleep(waitMs, signal);
        } catch {
          return; // stop/pause: stop releases every lock; a resume finds the set held and starts it
        }
      }
      await Promise.all(sets.map((set) => context.ownership.startAgents(set, set.names.map((shard) => ({ set, shard, kind: 'start' as const })))));
    }),
  );
}

/**
 * A draining node leaves the membership once, so the others stop counting it when sharing the sets
 * out (they would hand sets back and forth to make room for a node that takes none). With a
 * distributor that offers `leaveMembership`, at the START of the drain, before it hands anything
 * over: every probe that sees one of its sets free already counts the nodes without it. Otherwise
 * once it owns nothing (`releaseAll`: a set whose agents have not returned yet keeps its lock until
 * they have). The next membership probe after the drain ends takes a slot again.
 */
async function leaveMembership(context: CycleContext, intents: IntentReader, when: 'start' | 'end'): Promise<void> {
  if (intents.leftMembership) return;
  const early = context.distributor.leaveMembership?.bind(context.distributor);
  if (when !== (early === undefined ? 'end' : 'start')) return;
  if (early === undefined && (context.ownership.trackedCount() > 0 || context.ownership.draining().length > 0)) return;
  try {
    await (early ?? (() => context.distributor.releaseAll()))();
    intents.leftMembership = true;
    context.logger.info(early === undefined ? 'draining: every set handed over; member slots released' : 'draining: member slots released; handing every set over');
  } catch (error) {
    context.logger.warn('draining: releasing the member slots failed; retrying next cycle', { error });
    context.onError(error);
  }
}

/**
 * A node that wants nothing now (attempted nothing, hands nothing over, no set free) and whose
 * every database is watched (`ProjectionDistributor.isMembershipWatched`: a member watcher armed on
 * a healthy connection, and release notices) keeps the slow poll (`leadershipPollingTime`) instead
 * of the takeover poll: a member's death reaches it through its watcher (or, on PostgreSQL,
 * through the successor's release notice), a hand-over through a release notice. The slow poll
 * stays as the fallback for what no event reports.
 */
function watchedStandby(context: CycleContext, sets: readonly ProjectionSet[], plan: ReturnType<typeof planCycle>, cluster: ClusterView | undefined): boolean {
  const watched = context.distributor.isMembershipWatched?.bind(context.distributor);
  if (watched === undefined || cluster === undefined) return false;
  if (plan.attempt.length > 0 || plan.handOver.length > 0 || cluster.freeSince.size > 0) return false;
  for (const databaseId of databaseIds(sets)) if (!cluster.liveNodes.has(databaseId) || !watched(databaseId)) return false;
  return true;
}

/**
 * One cycle: build the distribution, plan, stop / hand over, ensure agents of held sets, ONE
 * batched attempt for the rest, start what was granted. Resolves with the sleep before the next.
 * Never rejects: failures are logged, reported through `onError` and retried next cycle.
 */
export async function runCycle(context: CycleContext, signal: AbortSignal): Promise<number> {
  const { distributor, daemons, ownership, settings, logger, clock } = context;
  const startedAt = clock.now();
  let sets: readonly ProjectionSet[];
  try {
    sets = await distributor.buildDistribution(signal);
  } catch (error) {
    if (!signal.aborted) {
      logger.error('building the distribution failed; retrying after the poll delay', { error });
      context.onError(error);
      const owned = ownership.trackedCount();
      const sleepMs = settings.leadershipPollingTime;
      context.events.emit('cycle', { durationMs: clock.now() - startedAt, owned, attempted: 0, granted: 0, sleepMs });
    }
    return settings.leadershipPollingTime;
  }
  const intents = context.intents === undefined ? undefined : await context.intents.read(sets, signal);
  if (signal.aborted) return 0;
  const draining = intents?.draining === true;
  // a draining node takes nothing: no membership probe (it would take a member slot again)
  const cluster =
    !draining && context.policy?.usesMembership === true && context.cluster !== undefined
      ? await context.cluster.observe(distributor, sets, startedAt, logger, signal)
      : undefined;
  if (signal.aborted) return 0;
  // when a probe's answer listed a set free, the server had freed it by then (see agentStartAt)
  const probes: { readonly view: ClusterView; readonly answeredAt: number }[] = cluster === undefined ? [] : [{ view: cluster, answeredAt: clock.now() }];
  const withheld = intents === undefined || (!intents.draining && intents.paused.size === 0) ? undefined : intents;
  const planInput = (view: ClusterView | undefined, now: number): Parameters<typeof planCycle>[0] => ({
    distribution: sets,
    isHeld: (set) => distributor.hasLock(set),
    tracked: ownership.tracked(),
    isDraining: (set) => ownership.isDraining(set),
    agentState: (set, shard) => ownership.agentState(set, shard),
    anyPaused: daemons.anyPaused(),
    backoff: ownership.backoff,
    now,
    settings,
    ...(context.policy === undefined ? {} : { policy: context.policy }),
    ...(view === undefined ? {} : { cluster: view }),
    ...(context.isStaleEpoch === undefined ? {} : { isStaleEpoch: context.isStaleEpoch }),
    ...(withheld === undefined ? {} : { withheld: (set: ProjectionSet) => withholdReason(withheld, set) }),
  });
  const plan = planCycle(planInput(cluster, startedAt));

  if (draining && context.intents !== undefined) await leaveMembership(context, context.intents, 'start');
  await Promise.all(plan.stop.map(({ set, reason }) => ownership.stopSet(set, reason, false)));
  await Promise.all(
    plan.handOver.map(async ({ set, reason }) => {
      logger.debug('handing set over', { set: set.key, lockId: set.lockId, reason });
      await ownership.stopSet(set, reason, true);
      const backOffCause = HAND_OVER_BACKOFF[reason];
      if (backOffCause !== undefined) ownership.backOff(set, new Error(backOffCause));
    }),
  );
  if (draining && context.intents !== undefined) await leaveMembership(context, context.intents, 'end');
  else context.intents?.rejoined();
  await daemons.retain(databaseIds(sets));
  if (signal.aborted) return 0;

  const bySet = groupBySet(plan.start);
  for (const set of plan.acquire) if (!bySet.has(set.key)) bySet.set(set.key, []);
  if (bySet.size > 0) {
    // (a steady cycle starts nothing: no 10 000-entry map for it)
    const held = new Map(sets.map((set) => [set.key, set]));
    await Promise.all([...bySet.entries()].map(([key, actions]) => ownership.startAgents(held.get(key)!, actions)));
  }

  let granted: ReadonlySet<string> = new Set();
  let grantedAt = clock.now();
  if (plan.attempt.length > 0 && !signal.aborted) {
    try {
      granted = await distributor.tryAttainMany(plan.attempt, { signal });
      grantedAt = clock.now();
    } catch (error) {
      if (signal.aborted) return 0;
      logger.warn('lock attempt failed; retrying next cycle', { sets: plan.attempt.length, error });
      context.onError(error);
    }
  }
  let attempted: readonly ProjectionSet[] = plan.attempt;
  // Contention (some sets won, others lost to nodes attempting at the same instant, e.g. the
  // survivors of a crash, all woken together): look again AT ONCE, before the takeover grace, and
  // attempt what the fresh probe shows still free (at most once per cycle). The sets won here wait
  // out the same grace as the others, from their own grant on: no second grace, no extra cycle.
  if (cluster !== undefined && context.cluster !== undefined && plan.keepAtMost === undefined && granted.size > 0 && granted.size < plan.attempt.length && !signal.aborted) {
    const again = await context.cluster.observe(distributor, sets, clock.now(), logger, signal);
    if (signal.aborted) return 0;
    if (again !== undefined) {
      probes.unshift({ view: again, answeredAt: clock.now() }); // the latest answer first
      const tried = new Set(plan.attempt.map((set) => set.key));
      const retry = planCycle(planInput(again, clock.now())).attempt.filter((set) => !tried.has(set.key));
      if (retry.length > 0) {
        try {
          const more = await distributor.tryAttainMany(retry, { signal });
          grantedAt = clock.now();
          granted = new Set([...granted, ...more]);
          attempted = [...plan.attempt, ...retry];
        } catch (error) {
          if (signal.aborted) return 0;
          logger.warn('lock attempt failed; retrying next cycle', { sets: retry.length, error });
          context.onError(error);
        }
      }
    }
  }
  if (plan.keepAtMost !== undefined) granted = await releaseSurplus(context, plan.attempt, granted, plan.keepAtMost);
  const starts: Promise<void>[] = [];
  const attained: ProjectionSet[] = [];
  for (const set of attempted) {
    if (granted.has(set.key)) {
      logger.debug('lock attained', { set: set.key, lockId: set.lockId, database: set.database.id });
      attained.push(set);
    } else {
      if (context.failedThisCycle?.(set.database.id) !== true) logger.debug('lock denied', { set: set.key, lockId: set.lockId, database: set.database.id });
      starts.push(
        stopStrays(context, set).catch((error: unknown) => {
          logger.warn('stopping agents of a denied set failed', { set: set.key, error });
          context.onError(error, set);
        }),
      );
    }
  }
  const freeAt = (key: string): number | undefined => probes.find((probe) => probe.view.freeSince.has(key))?.answeredAt;
  if (attained.length > 0) starts.push(startAttained(context, attained, grantedAt, freeAt, signal));
  await Promise.all(starts);

  const ownedCount = ownership.trackedCount();
  logger.debug('coordinator cycle', {
    owned: ownedCount,
    // built even when debug is off: listed only for small nodes, not 10 000 ids every cycle
    ...(ownedCount <= 100 ? { ownedLockIds: ownership.tracked().map((set) => set.lockId) } : {}),
    attempted: attempted.length,
    granted: granted.size,
    total: sets.length,
  });
  const now = clock.now();
  let sleepMs = daemons.anyPaused() ? Math.min(plan.sleepMs, settings.agentPauseTime) : plan.sleepMs;
  // Some set was denied: its owner may die or release it soon, so poll at the takeover rate —
  // unless the server itself will say so (see watchedStandby).
  if (granted.size < attempted.length || (plan.pollSoon && !watchedStandby(context, sets, plan, cluster))) {
    sleepMs = Math.min(sleepMs, settings.takeoverPollingTime);
  }
  // Contention: this cycle won some sets and lost others to a node attempting at the same moment
  // (two standbys taking a dead node's sets). Look again soon instead of a full poll later: the next
  // probe shows what is still free. Needs progress (a grant) each time, so it cannot spin.
  if (granted.size > 0 && granted.size < attempted.length) sleepMs = Math.min(sleepMs, CONTENTION_RETRY_MS);
  for (const entry of ownership.backoff.values()) {
    if (entry.nextAttemptAt > now) sleepMs = Math.min(sleepMs, entry.nextAttemptAt - now);
  }
  context.events.emit('cycle', {
    durationMs: now - startedAt,
    owned: ownedCount,
    attempted: attempted.length,
    granted: granted.size,
    sleepMs,
  });
  return sleepMs;
}
