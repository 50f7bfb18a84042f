import type { ProjectionSet, ShardName } from '@polecat/distributors';
import { CoordinatorError } from '../../coordinator-error';
import type { AgentStopReason } from '../../coordinator-events';
import type { StartAction } from '../loop/plan-cycle';
import type { DrainingSetStatus, OwnedSetStatus } from '../../coordinator-status';
import type { AgentState } from '../../projection-daemon';
import type { CoordinatorServices } from '../coordination';
import { describeSet } from '../describe-set';
import { AgentFailures } from './agent-failures';
import { startAgents } from './agent-start';
import { HeldConfirmation } from './held-confirmation';
import { SetBackoff } from './backoff';
import { SetDrains } from './set-drains';

/** One set this node owns. */
export interface OwnedSet {
  readonly set: ProjectionSet;
  readonly since: number;
  readonly epoch?: bigint;
  /**
   * The set's ONE signal, handed to every agent of the set: aborted when this node stops running
   * them (stop, pause, hand-over, lock lost, database removed). One per set, never a per-agent
   * `AbortSignal.any` (see the coordinator README, "Scale").
   */
  controller: AbortController;
  /** Shard identities started during this ownership. */
  readonly started: Set<string>;
  /** Statuses already announced as paused (identity -> pausedAt); created on the first pause. */
  announcedPause?: Map<string, number>;
}

/** What the set map needs besides the shared services. */
export interface SetOwnershipHooks {
  /** The `progress` function of an agent about to start (stall detection), if any. */
  readonly progressFor?: (set: ProjectionSet, shard: ShardName) => ((position?: unknown) => void) | undefined;
  /** A drain ended (a set may be attempted or started again). */
  readonly onDrained?: () => void;
}

/** The sets this node owns: track ownership, start and stop agents, release, back off. */
export class SetOwnership {
  readonly services: CoordinatorServices;
  readonly hooks: SetOwnershipHooks;
  /** Start-failure backoff, read by the planner and the sleep decision. */
  readonly backoff: SetBackoff;
  /** Consecutive agent failures: restart delays, hand-overs, `AGENTS_FAILING`. */
  readonly failures: AgentFailures;
  readonly #owned = new Map<string, OwnedSet>();
  readonly #pending = new Set<Promise<void>>();
  readonly #drains: SetDrains;
  readonly #confirmation: HeldConfirmation;
  #lifetime = new AbortController();
  /** The sets of a releasing stop (or pause) still within its drain timeout: due all at once, they go in ONE `releaseAll`. */
  #releaseAllOf: ReadonlySet<string> | undefined;

  constructor(services: CoordinatorServices, hooks: SetOwnershipHooks = {}) {
    this.services = services;
    this.hooks = hooks;
    const { healthCheckPollingTimeMs, startFailureBackoff, agentFailuresBeforeHandOver } = services.settings;
    this.backoff = new SetBackoff(startFailureBackoff);
    this.failures = new AgentFailures(
      { initialMs: healthCheckPollingTimeMs, factor: 2, maxMs: Math.max(healthCheckPollingTimeMs, startFailureBackoff.maxMs) },
      agentFailuresBeforeHandOver,
    );
    this.#drains = new SetDrains(
      services,
      () => hooks.onDrained?.(),
      (due) => this.#allOfStop(due),
    );
    this.#confirmation = new HeldConfirmation(services.distributor, () => this.#lifetime.signal);
  }

  /** Aborted by pause and stop (renewed by {@link renew}). */
  get lifetime(): AbortSignal {
    return this.#lifetime.signal;
  }

  tracked(): ProjectionSet[] {
    return [...this.#owned.values()].map((owned) => owned.set);
  }

  /** How many sets are tracked (no array built). */
  trackedCount(): number {
    return this.#owned.size;
  }

  isTracked(key: string): boolean {
    return this.#owned.has(key);
  }

  /** The ownership entry of `key`, if tracked. */
  entry(key: string): OwnedSet | undefined {
    return this.#owned.get(key);
  }

  /** A new lifetime signal (after pause/resume). */
  renew(): void {
    if (this.#lifetime.signal.aborted) this.#lifetime = new AbortController();
    this.#releaseAllOf = undefined;
  }

  /** True when `due` holds every set of a releasing stop, in its drain timeout, and nothing is owned any more. */
  #allOfStop(due: readonly ProjectionSet[]): boolean {
    const group = this.#releaseAllOf;
    if (group === undefined || this.#owned.size > 0 || due.length < group.size) return false;
    const keys = new Set(due.map((set) => set.key));
    for (const key of group) if (!keys.has(key)) return false;
    return true;
  }

  /** The state of an agent started here during its set's current ownership (a pure read). */
  agentState(set: ProjectionSet, shard: ShardName): AgentState | undefined {
    const owned = this.#owned.get(set.key);
    if (owned === undefined || !owned.started.has(shard.identity)) return undefined;
    return this.services.daemons.peek(set.database.id)?.statusOf(shard);
  }

  /**
   * Sends `agentPaused` and `agentFailed` once per pause for each paused agent started here, counting
   * its consecutive failures (call before planning); ends the failure runs of agents that recovered.
   */
  announcePaused(): void {
    const now = this.services.clock.now();
    this.failures.forgetRecovered(now, (set, shard) => this.agentState(set, shard)?.status === 'Running');
    if (!this.services.daemons.anyPaused()) return;
    for (const owned of this.#owned.values()) {
      const daemon = this.services.daemons.peek(owned.set.database.id);
      if (daemon === undefined) continue;
      for (const shard of owned.set.names) {
        if (!owned.started.has(shard.identity)) continue;
        const state = daemon.statusOf(shard);
        if (state?.status !== 'Paused' || owned.announcedPause?.get(shard.identity) === state.pausedAt) continue;
        (owned.announcedPause ??= new Map()).set(shard.identity, state.pausedAt ?? 0);
        this.services.events.emit('agentPaused', { shard, database: owned.set.database, error: state.error, pausedAt: state.pausedAt ?? 0 });
        const run = this.failures.failed(owned.set, shard, state.error, now);
        this.services.events.emit('agentFailed', {
          shard,
          database: owned.set.database,
          error: state.error,
          failures: run.count,
          since: run.since,
          retryInMs: run.retryInMs,
          handOver: this.failures.shouldHandOver(owned.set, shard),
        });
      }
    }
  }

  /** Agents started here under the current ownerships (for `AGENTS_FAILING`). */
  startedAgentCount(): number {
    let count = 0;
    for (const owned of this.#owned.values()) count += owned.started.size;
    return count;
  }

  /** Records that this node owns `set` (fetching a fencing epoch when configured). */
  async acquire(set: ProjectionSet): Promise<void> {
    if (this.#owned.has(set.key)) return;
    const { epochs, distributor, logger, clock, events } = this.services;
    let epoch: bigint | undefined;
    if (epochs !== undefined) epoch = await epochs.nextEpoch(set, this.#lifetime.signal);
    // The lock may have been lost since it was attained (during the takeover grace or while the
    // grant was in flight; its loss was announced before this set was tracked): record nothing,
    // start nothing; the next cycle sees it free or held elsewhere.
    if (!distributor.hasLock(set)) {
      logger.info('lock lost before its agents started; not starting them', { set: set.key, ...(epoch === undefined ? {} : { epoch: String(epoch) }) });
      return;
    }
    // With fencing, the epoch must belong to a live grant: a node that read a late grant (frozen
    // while it was in flight) before the reset of its ended session would otherwise run with an
    // epoch NEWER than the live owner's. One round trip on the lock's own session after the epoch
    // proves the lock was still held when it was taken (batched per cycle; see the README, `EpochSource`).
    if (epoch !== undefined && this.#confirmation.enabled && !(await this.#confirmation.confirm(set))) {
      logger.info('lock not confirmed after its epoch was taken; not starting its agents', { set: set.key, epoch: String(epoch) });
      return;
    }
    // stopping or pausing meanwhile: its stop did not see this set; the lock goes with the rest
    if (this.#owned.has(set.key) || this.#lifetime.signal.aborted) return;
    const owned: OwnedSet = { set, since: clock.now(), ...(epoch === undefined ? {} : { epoch }), controller: new AbortController(), started: new Set() };
    this.#owned.set(set.key, owned);
    events.emit('lockAcquired', epoch === undefined ? { set } : { set, epoch });
  }

  /** Acquires (if needed) and starts the set's agents; a failure backs the set off. Never rejects. */
  startAgents(set: ProjectionSet, actions: readonly StartAction[]): Promise<void> {
    return startAgents(this, set, actions);
  }

  /** Marks a set as backing off (e.g. after handing over a stopped agent). */
  backOff(set: ProjectionSet, reason: unknown): void {
    this.backoff.fail(set.key, this.services.clock.now(), reason);
  }

  /**
   * Stops the set's agents here and forgets its ownership; if asked, releases its lock, but only
   * once every agent of the set has returned (see {@link SetDrains}). Resolves when that is done or
   * after `stopDrainTimeoutMs`, whichever comes first (the drain goes on). Never rejects.
   */
  async stopSet(set: ProjectionSet, reason: AgentStopReason, release: boolean, abortReason?: unknown): Promise<void> {
    const owned = this.#owned.get(set.key);
    this.#owned.delete(set.key);
    this.failures.forgetSet(set, reason === 'agents-failing');
    const why = abortReason ?? new CoordinatorError('DISPOSED', `agents of ${describeSet(set)} stopped (${reason})`);
    if (owned === undefined) {
      // nothing started here under this ownership; an earlier drain keeps the lock until it ends
      if (release) await this.#drains.bounded(this.#drains.begin(set, reason, true, undefined, [], why));
      return;
    }
    owned.controller.abort(why);
    const daemon = this.services.daemons.peek(set.database.id);
    const shards = daemon === undefined ? [] : set.names.filter((shard) => owned.started.has(shard.identity));
    // Every agent of the set is aborted by now; the drain waits for them together.
    await this.#drains.bounded(this.#drains.begin(set, reason, release, daemon, shards, why));
  }

  /** Keeps `work` (a lost set's stop) for `stopAll` to wait for. */
  track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /**
   * Aborts every agent (lifetime signal) and stops them, waiting at most `stopDrainTimeoutMs`. With
   * `release`, each set's lock is released the moment ITS agents returned (releases due in the same
   * tick go together; ONE `releaseAll` once no agent runs any more, e.g. when every set drained at
   * once); a set still draining at the timeout keeps its lock until its agents return. Without it,
   * keeps tracking the sets (their agents restart after `resume`, once returned).
   */
  async stopAll(reason: 'pause' | 'stop', release: boolean): Promise<void> {
    const { daemons, logger, settings } = this.services;
    const why = new CoordinatorError('DISPOSED', `coordinator ${reason === 'pause' ? 'paused' : 'stopping'}`);
    this.#lifetime.abort(why);
    // Abort every agent now (each set's one signal), before waiting for anything.
    for (const entry of this.#owned.values()) entry.controller.abort(why);
    const owned = [...this.#owned.values()];
    // (set before the stops: the first release may be due at once)
    if (release && owned.length > 0) this.#releaseAllOf = new Set(owned.map((entry) => entry.set.key));
    const work = Promise.all([...this.#pending, ...owned.map((entry) => this.stopSet(entry.set, reason, release, why)), daemons.stopAll(why)]);
    // a stop whose sets still drain prints ONE summary of them (shutdown.ts); this line is for the rest
    if (!(await this.#drains.bounded(work)) && (reason === 'pause' || this.#drains.size === 0)) {
      logger.warn(`${reason}: agents did not stop within the drain timeout; their locks stay held until they return`, {
        timeoutMs: settings.stopDrainTimeoutMs,
        draining: this.#drains.status().map((drain) => drain.key),
      });
    }
    this.#releaseAllOf = undefined; // past the timeout, the sets still draining go one by one
    if (!release) {
      for (const entry of owned) this.#owned.set(entry.set.key, { ...entry, controller: new AbortController(), started: new Set() });
    }
  }

  /** True when a stop released every lock in ONE `releaseAll` (nothing left to release). */
  releasedAll(): boolean {
    return this.#drains.releasedAll;
  }

  /** Sets whose agents have not all returned (see {@link SetDrains}). */
  draining(): DrainingSetStatus[] {
    return this.#drains.status();
  }

  isDraining(set: ProjectionSet): boolean {
    return this.#drains.isDraining(set.key);
  }

  /** The drain of `key` (see {@link SetDrains.whenSettled}); `undefined` when it is not draining. */
  whenSettled(key: string): Promise<void> | undefined {
    return this.#drains.whenSettled(key);
  }

  /** Resolves once no set is draining. */
  whenDrained(): Promise<void> {
    return this.#drains.whenIdle();
  }

  status(): OwnedSetStatus[] {
    return [...this.#owned.values()].map((owned) => {
      const daemon = this.services.daemons.peek(owned.set.database.id);
      return {
        key: owned.set.key,
        lockId: owned.set.lockId,
        databaseId: owned.set.database.id,
        shards: owned.set.names.map((shard) => shard.identity),
        since: owned.since,
        ...(owned.epoch === undefined ? {} : { epoch: owned.epoch }),
        agents: owned.set.names.map((shard) => {
          const state = owned.started.has(shard.identity) ? daemon?.statusOf(shard) : undefined;
          if (state === undefined) return { shard: shard.identity, status: 'NotStarted' as const };
          return {
            shard: shard.identity,
            status: state.status,
            ...(state.pausedAt === undefined ? {} : { pausedAt: state.pausedAt }),
            ...(state.error === undefined ? {} : { error: state.error }),
          };
        }),
      };
    });
  }
}
