import type { ProjectionSet, ShardName } from '@polecat/distributors';
import type { HandOverReason, StartKind, StopReason } from '../../coordinator-events';
import type { CoordinatorSettings } from '../../coordinator-settings';
import { greedyOwnershipPolicy, type ClusterView, type OwnershipPolicy } from '../../ownership-policy';
import type { WithholdReason } from '../../ownership-intents';
import type { AgentState } from '../../projection-daemon';
import { isBackingOff, type BackoffEntry } from '../ownership/backoff';

/** Start one agent of a held set. */
export interface StartAction {
  readonly set: ProjectionSet;
  readonly shard: ShardName;
  readonly kind: StartKind;
}

/** Everything a cycle's inputs are (pure data; `agentState` is a read-only view). */
export interface CycleInput {
  /** This cycle's distribution. */
  readonly distribution: readonly ProjectionSet[];
  /** In-memory "do we hold it" (the distributor's `hasLock`). */
  readonly isHeld: (set: ProjectionSet) => boolean;
  /** Sets this node currently tracks as owned (it may run their agents). */
  readonly tracked: readonly ProjectionSet[];
  /**
   * True for a set whose agents were aborted here and have not all returned yet. Such a set is
   * never attempted, acquired or started here until they have (held: its lock stays held until
   * then; lost: the server may already have given it to another node). Default: none.
   */
  readonly isDraining?: (set: ProjectionSet) => boolean;
  /** State of an agent started here during the current ownership of its set; undefined if not started. A pure read. */
  readonly agentState: (set: ProjectionSet, shard: ShardName) => AgentState | undefined;
  /** Per-set backoff entries (set key -> entry). */
  readonly backoff: ReadonlyMap<string, BackoffEntry>;
  /** Clock ms. */
  readonly now: number;
  readonly settings: Pick<CoordinatorSettings, 'healthCheckPollingTimeMs' | 'restartStoppedAgents'>;
  /** Balancing seam; default: try every candidate. */
  readonly policy?: OwnershipPolicy;
  /**
   * True when a paused agent's error says its fencing epoch is stale (the epoch source's
   * `isStale`): the set is handed over at once instead of restarting agents with that epoch.
   */
  readonly isStaleEpoch?: (error: unknown) => boolean;
  /** This cycle's membership probe, handed to the policy (balancing policies only). */
  readonly cluster?: ClusterView;
  /**
   * Operator intents (see `OwnershipIntents`): a withheld set is never attempted and, when held,
   * handed over with that reason. The policy never gets it as a candidate, but still counts it in
   * the distribution, so that a pause or drain moves only what it names (shares do not shrink, no
   * other set is handed over to make up for it). Default: none.
   */
  readonly withheld?: (set: ProjectionSet) => WithholdReason | undefined;
  /**
   * When this node acquired a set it owns (clock ms), and the settle window: a set acquired here
   * less than `settleWindowMs` ago is never handed over for balance (no set moves twice within a
   * settle window); the policy sees such sets first, so it hands settled ones over. Default: none.
   */
  readonly settle?: { readonly windowMs: number; readonly since: (set: ProjectionSet) => number | undefined };
  /** How long a paused agent waits before its restart (consecutive failures back off). Default: `healthCheckPollingTimeMs`. */
  readonly restartDelay?: (set: ProjectionSet, shard: ShardName) => number;
  /** True when a paused agent failed often enough in a row here that its set goes to another node. Default: never. */
  readonly failingTooOften?: (set: ProjectionSet, shard: ShardName) => boolean;
}

/** What one cycle does, in order: stop, hand over, acquire + start, then ONE batched attempt (the sleep after it: `nextSleep`). */
export interface CyclePlan {
  /** Sets whose agents must stop here (lock not held, or set gone); no release. */
  readonly stop: readonly { readonly set: ProjectionSet; readonly reason: StopReason }[];
  /** Held sets to give up: stop their agents, then release their locks. */
  readonly handOver: readonly { readonly set: ProjectionSet; readonly reason: HandOverReason }[];
  /** Held sets not yet tracked: record ownership (lockAcquired) before starting their agents. */
  readonly acquire: readonly ProjectionSet[];
  /** Agents to start or restart on held sets. */
  readonly start: readonly StartAction[];
  /** Sets to try in ONE `tryAttainMany` call. */
  readonly attempt: readonly ProjectionSet[];
  /** Keep at most this many grants of `attempt`; release the rest at once (undefined: keep all). */
  readonly keepAtMost?: number;
  /** The policy asked for the fast (takeover) poll. */
  readonly pollSoon: boolean;
  /**
   * Clock ms when the first set the policy wanted to hand over but the settle window kept leaves
   * that window (undefined: none kept): the loop wakes by then, not a slow poll later.
   */
  readonly settlesAt?: number;
  /** Held sets kept after this plan (for the per-cycle summary). */
  readonly owned: readonly ProjectionSet[];
}

function agentAction(input: CycleInput, set: ProjectionSet, shard: ShardName): StartKind | 'hand-over' | 'stale-epoch' | 'agents-failing' | undefined {
  const state = input.agentState(set, shard);
  if (state === undefined) return 'start';
  // Stopping: aborted, not returned yet (never started twice; it is looked at again once it returned)
  if (state.status === 'Running' || state.status === 'Stopping') return undefined;
  if (state.status === 'Paused') {
    // A newer grant exists (e.g. a former owner's late grant): restarting with this epoch would be
    // refused forever; give the set up so the next grant (ours or another node's) is fresh.
    if (input.isStaleEpoch?.(state.error) === true) return 'stale-epoch';
    if (input.failingTooOften?.(set, shard) === true) return 'agents-failing';
    const pausedAt = state.pausedAt ?? input.now;
    const delay = input.restartDelay?.(set, shard) ?? input.settings.healthCheckPollingTimeMs;
    return input.now - pausedAt > delay ? 'restart-paused' : undefined;
  }
  return input.settings.restartStoppedAgents ? 'restart-stopped' : 'hand-over';
}

/** Keys of the `owned` sets acquired within the settle window (`undefined` when none: nothing built). */
function recentlyAcquired(input: CycleInput, owned: readonly ProjectionSet[]): Set<string> | undefined {
  const settle = input.settle;
  if (settle === undefined) return undefined;
  let recent: Set<string> | undefined;
  for (const set of owned) {
    const since = settle.since(set);
    if (since !== undefined && input.now - since < settle.windowMs) (recent ??= new Set()).add(set.key);
  }
  return recent;
}

/**
 * Recently acquired sets, the newest first: a policy hands over from the end of its `owned` list,
 * so the recent set it picks is the one that leaves the settle window first (the loop wakes then).
 */
function newestFirst(sets: ProjectionSet[], since: (set: ProjectionSet) => number | undefined): ProjectionSet[] {
  return sets.sort((a, b) => (since(b) ?? 0) - (since(a) ?? 0));
}

/**
 * The distribution's version of every tracked set (by key; the last one when a key repeats). Maps
 * only the tracked keys: a map of the whole distribution cost one entry per set every cycle.
 */
function currentOfTracked(distribution: readonly ProjectionSet[], trackedKeys: ReadonlySet<string>): Map<string, ProjectionSet> {
  const current = new Map<string, ProjectionSet>();
  if (trackedKeys.size === 0) return current;
  for (const set of distribution) if (trackedKeys.has(set.key)) current.set(set.key, set);
  return current;
}

/**
 * The coordinator's decisions for one cycle, with no I/O: which agents to start, restart or stop,
 * which sets to hand over and which to try to attain.
 */
export function planCycle(input: CycleInput): CyclePlan {
  const trackedKeys = new Set(input.tracked.map((set) => set.key));
  const inDistribution = currentOfTracked(input.distribution, trackedKeys);
  const stop: { set: ProjectionSet; reason: StopReason }[] = [];
  const handOver: { set: ProjectionSet; reason: HandOverReason }[] = [];
  const handedOver = new Set<string>();

  for (const set of input.tracked) {
    const current = inDistribution.get(set.key);
    if (current === undefined) {
      if (input.isHeld(set)) handOver.push({ set, reason: 'vanished' });
      else stop.push({ set, reason: 'vanished' });
      handedOver.add(set.key);
    } else if (!input.isHeld(current)) {
      stop.push({ set: current, reason: 'not-held' });
    }
  }

  const held: ProjectionSet[] = [];
  const heldDraining: ProjectionSet[] = [];
  const candidates: ProjectionSet[] = [];
  const withheld = input.withheld;
  const draining = input.isDraining;
  for (const set of input.distribution) {
    const reason = withheld?.(set);
    if (draining !== undefined && draining(set)) {
      // kept (not released, not restarted) while tracked; otherwise neither attempted nor acquired
      // (withheld too: handed over once its agents have returned)
      if (trackedKeys.has(set.key) && input.isHeld(set)) heldDraining.push(set);
      continue;
    }
    if (reason !== undefined) {
      if (input.isHeld(set) && !handedOver.has(set.key)) {
        handOver.push({ set, reason });
        handedOver.add(set.key);
      }
      continue;
    }
    if (input.isHeld(set)) held.push(set);
    else if (!isBackingOff(input.backoff.get(set.key), input.now)) candidates.push(set);
  }

  const acquire: ProjectionSet[] = [];
  const start: StartAction[] = [];
  const kept: ProjectionSet[] = [...heldDraining];
  for (const set of held) {
    if (!trackedKeys.has(set.key)) acquire.push(set);
    if (isBackingOff(input.backoff.get(set.key), input.now)) {
      kept.push(set);
      continue;
    }
    let actions: StartAction[] | undefined; // (allocated only when something must start)
    let giveUp: HandOverReason | undefined;
    for (const shard of set.names) {
      const kind = agentAction(input, set, shard);
      if (kind === 'stale-epoch' || kind === 'agents-failing') giveUp = giveUp === 'stale-epoch' ? giveUp : kind;
      else if (kind === 'hand-over') giveUp ??= 'agent-stopped';
      else if (kind !== undefined) (actions ??= []).push({ set, shard, kind });
    }
    if (giveUp !== undefined) {
      handOver.push({ set, reason: giveUp });
      handedOver.add(set.key);
    } else {
      if (actions !== undefined) for (const action of actions) start.push(action);
      kept.push(set);
    }
  }

  const recent = recentlyAcquired(input, kept);
  const decision = (input.policy ?? greedyOwnershipPolicy).select({
    distribution: input.distribution, // withheld sets included: a pause moves nothing else (README, "Minimal movement")
    owned:
      recent === undefined
        ? kept
        : [
            ...newestFirst(
              kept.filter((set) => recent.has(set.key)),
              input.settle!.since,
            ),
            ...kept.filter((set) => !recent.has(set.key)),
          ],
    candidates,
    ...(input.cluster === undefined ? {} : { cluster: input.cluster }),
  });
  // (steady owner at 10 000 sets: no candidates, no hand-over; skip building 10 000-key sets)
  const candidateKeys = decision.attempt.length === 0 ? undefined : new Set(candidates.map((set) => set.key));
  const attempt = candidateKeys === undefined ? [] : decision.attempt.filter((set) => candidateKeys.has(set.key));
  const balancing = decision.handOver ?? [];
  let owned = kept;
  let settlesAt: number | undefined;
  if (balancing.length > 0) {
    const keptKeys = new Set(kept.map((set) => set.key));
    for (const set of balancing) {
      if (!keptKeys.has(set.key) || handedOver.has(set.key)) continue;
      if (recent?.has(set.key) === true) {
        const settles = input.settle!.since(set)! + input.settle!.windowMs;
        settlesAt = settlesAt === undefined ? settles : Math.min(settlesAt, settles);
        continue;
      }
      handOver.push({ set, reason: 'balance' });
      handedOver.add(set.key);
    }
    const balanced = new Set(balancing.filter((set) => recent?.has(set.key) !== true).map((set) => set.key));
    owned = kept.filter((set) => !balanced.has(set.key));
  }

  return {
    stop,
    handOver,
    acquire: handedOver.size === 0 ? acquire : acquire.filter((set) => !handedOver.has(set.key)),
    start: handedOver.size === 0 ? start : start.filter((action) => !handedOver.has(action.set.key)),
    attempt,
    ...(decision.keepAtMost === undefined ? {} : { keepAtMost: Math.max(0, Math.floor(decision.keepAtMost)) }),
    pollSoon: decision.pollSoon === true,
    ...(settlesAt === undefined ? {} : { settlesAt }),
    owned,
  };
}
