import type { Clock, Logger, LockLostError } from '@polecat/app-lock';
import type { ProjectionDistributor, ProjectionSet, ShardName } from '@polecat/distributors';
import { nextBackoff, type BackoffEntry } from '../backoff';
import { CoordinatorError } from '../coordinator-error';
import type { AgentStopReason, CoordinatorEvents } from '../coordinator-events';
import type { CoordinatorSettings } from '../coordinator-settings';
import type { DrainingSetStatus, OwnedSetStatus } from '../coordinator-status';
import type { EpochSource } from '../epoch-source';
import type { StartAction } from '../plan-cycle';
import type { AgentState } from '../projection-daemon';
import type { DaemonPool } from './daemon-pool';
import { SetDrains } from './set-drains';
import type { TypedEmitter } from './typed-emitter';
import { describeSet } from './describe-set';

interface OwnedSet {
  readonly set: ProjectionSet;
  readonly since: number;
  readonly epoch?: bigint;
  /**
   * The set's ONE signal, handed to every agent of the set: aborted when this node stops running
   * them (stop, pause, hand-over, lock lost, database removed). One per set, never a per-agent
   * `AbortSignal.any` (≈ 2 KB each, 10 000 of them at 10 000 shards).
   */
  controller: AbortController;
  /** Shard identities started during this ownership. */
  readonly started: Set<string>;
  /** Statuses already announced as paused (identity -> pausedAt); created on the first pause. */
  announcedPause?: Map<string, number>;
}

/** Everything the ownership engine needs from its coordinator. */
export interface SetOwnershipDeps {
  readonly distributor: ProjectionDistributor;
  readonly daemons: DaemonPool;
  readonly settings: CoordinatorSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly events: TypedEmitter<CoordinatorEvents>;
  readonly epochs?: EpochSource;
  readonly onError: (error: unknown) => void;
  /** The `progress` function of an agent about to start (stall detection), if any. */
  readonly progressFor?: (set: ProjectionSet, shard: ShardName) => ((position?: unknown) => void) | undefined;
  /** A drain ended (a set may be attempted or started again). */
  readonly onDrained?: () => void;
}

/** The coordinator's effects on sets: track ownership, start and stop agents, release, back off. */
export class SetOwnership {
  readonly #deps: SetOwnershipDeps;
  readonly #owned = new Map<string, OwnedSet>();
  readonly #backoff = new Map<string, BackoffEntry>();
  readonly #pending = new Set<Promise<void>>();
  readonly #drains: SetDrains;
  #lifetime = new AbortController();

  constructor(deps: SetOwnershipDeps) {
    this.#deps = deps;
    this.#drains = new SetDrains({ ...deps, onSettled: () => deps.onDrained?.() });
  }

  get backoff(): ReadonlyMap<string, BackoffEntry> {
    return this.#backoff;
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

  /** A new lifetime signal (after pause/resume). */
  renew(): void {
    if (this.#lifetime.signal.aborted) this.#lifetime = new AbortController();
  }

  agentState(set: ProjectionSet, shard: ShardName): AgentState | undefined {
    const owned = this.#owned.get(set.key);
    if (owned === undefined || !owned.started.has(shard.identity)) return undefined;
    const state = this.#deps.daemons.peek(set.database.id)?.statusOf(shard);
    if (state?.status === 'Paused' && owned.announcedPause?.get(shard.identity) !== state.pausedAt) {
      (owned.announcedPause ??= new Map()).set(shard.identity, state.pausedAt ?? 0);
      this.#deps.events.emit('agentPaused', { shard, database: set.database, error: state.error, pausedAt: state.pausedAt ?? 0 });
    }
    return state;
  }

  /** Records that this node owns `set` (fetching a fencing epoch when configured). */
  async acquire(set: ProjectionSet): Promise<void> {
    if (this.#owned.has(set.key)) return;
    let epoch: bigint | undefined;
    if (this.#deps.epochs !== undefined) epoch = await this.#deps.epochs.nextEpoch(set, this.#lifetime.signal);
    // The lock may have been lost since it was attained (during the takeover grace or while the
    // grant was in flight; its loss was announced before this set was tracked): record nothing,
    // start nothing; the next cycle sees it free or held elsewhere.
    if (!this.#deps.distributor.hasLock(set)) {
      this.#deps.logger.info('lock lost before its agents started; not starting them', { set: set.key, ...(epoch === undefined ? {} : { epoch: String(epoch) }) });
      return;
    }
    if (this.#owned.has(set.key)) return;
    const owned: OwnedSet = {
      set,
      since: this.#deps.clock.now(),
      ...(epoch === undefined ? {} : { epoch }),
      controller: new AbortController(),
      started: new Set(),
    };
    this.#owned.set(set.key, owned);
    this.#deps.events.emit('lockAcquired', epoch === undefined ? { set } : { set, epoch });
  }

  /** Acquires (if needed) and starts the set's agents; a failure backs the set off. Never rejects. */
  async startAgents(set: ProjectionSet, actions: readonly StartAction[]): Promise<void> {
    // (planCycle never asks for a draining set; a new run must never start next to an old one)
    if (this.#drains.isDraining(set.key)) return;
    try {
      await this.acquire(set);
      const owned = this.#owned.get(set.key);
      if (owned === undefined) return;
      // Lock losses reach the set through the distributor's onSetsLost (-> lost() -> stopSet), and a
      // stop through stopAll, both aborting owned.controller: no per-set lockSignal subscription.
      // Still tracked but aborted: a daemon stopped the one-shard set's agent through the controller
      // it was handed (see AgentStartContext.controller); restarting needs a fresh signal.
      if (owned.controller.signal.aborted && this.#owned.get(set.key) === owned && !this.#lifetime.signal.aborted) owned.controller = new AbortController();
      const signal = owned.controller.signal;
      const daemon = this.#deps.daemons.get(set.database);
      for (const action of actions) {
        if (signal.aborted || this.#lifetime.signal.aborted) return;
        // A one-shard set's signal is its agent's alone: hand its controller over (one signal per agent).
        const controller = set.names.length === 1 ? { controller: owned.controller } : {};
        const progress = this.#deps.progressFor?.(set, action.shard);
        const base = owned.epoch === undefined ? { signal, ...controller } : { signal, epoch: owned.epoch, ...controller };
        const context = progress === undefined ? base : { ...base, progress };
        await daemon.startAgent(action.shard, context);
        owned.started.add(action.shard.identity);
        owned.announcedPause?.delete(action.shard.identity);
        this.#deps.events.emit('agentStarted', {
          shard: action.shard,
          database: set.database,
          kind: action.kind,
          ...(owned.epoch === undefined ? {} : { epoch: owned.epoch }),
        });
      }
      this.#backoff.delete(set.key);
    } catch (cause) {
      await this.#startFailed(set, cause);
    }
  }

  async #startFailed(set: ProjectionSet, cause: unknown): Promise<void> {
    const entry = nextBackoff(this.#deps.settings.startFailureBackoff, this.#backoff.get(set.key), this.#deps.clock.now(), cause);
    this.#backoff.set(set.key, entry);
    const error = new CoordinatorError('AGENT_START_FAILED', `agents of ${describeSet(set)} failed to start`, { cause });
    this.#deps.logger.warn('agent start failed; backing off', {
      set: set.key,
      lockId: set.lockId,
      failures: entry.failures,
      retryInMs: entry.nextAttemptAt - this.#deps.clock.now(),
      release: this.#deps.settings.releaseOnStartFailure,
      cause,
    });
    this.#deps.onError(error);
    this.#deps.events.emit('error', { error, set });
    if (this.#deps.settings.releaseOnStartFailure) await this.stopSet(set, 'start-failed', true);
  }

  /** Marks a set as backing off (e.g. after handing over a stopped agent). */
  backOff(set: ProjectionSet, reason: unknown): void {
    this.#backoff.set(set.key, nextBackoff(this.#deps.settings.startFailureBackoff, this.#backoff.get(set.key), this.#deps.clock.now(), reason));
  }

  /**
   * Stops the set's agents here and forgets its ownership; if asked, releases its lock, but only
   * once every agent of the set has returned (see {@link SetDrains}). Resolves when that is done or
   * after `stopDrainTimeout`, whichever comes first (the drain goes on). Never rejects.
   */
  async stopSet(set: ProjectionSet, reason: AgentStopReason, release: boolean, abortReason?: unknown): Promise<void> {
    const owned = this.#owned.get(set.key);
    this.#owned.delete(set.key);
    const why = abortReason ?? new CoordinatorError('DISPOSED', `agents of ${describeSet(set)} stopped (${reason})`);
    if (owned === undefined) {
      // nothing started here under this ownership; an earlier drain keeps the lock until it ends
      if (release) await this.#drains.bounded(this.#drains.begin(set, reason, true, undefined, [], why));
      return;
    }
    owned.controller.abort(why);
    const daemon = this.#deps.daemons.peek(set.database.id);
    const shards = daemon === undefined ? [] : set.names.filter((shard) => owned.started.has(shard.identity));
    // Every agent of the set is aborted by now; the drain waits for them together.
    await this.#drains.bounded(this.#drains.begin(set, reason, release, daemon, shards, why));
  }

  /**
   * Lost locks: abort their agents now (not at the next poll). Tracked so stop() can await it.
   * Returns whether any was tracked (its drain wakes the loop once its agents returned).
   *
   * `waitUntil` (the lock owner's, see `SetsLostEvent.waitUntil`) receives the drain of every lost
   * set whose agents still run here (tracked ones, just aborted, and ones already draining after a
   * stop or hand-over): a lock connection this side gave up then stays open until they returned,
   * so the server grants the sets to no other node meanwhile.
   */
  lost(sets: readonly ProjectionSet[], error: LockLostError, waitUntil?: (work: PromiseLike<unknown>) => void): boolean {
    let any = false;
    const ownedBefore = new Set(sets.filter((set) => this.#owned.has(set.key)).map((set) => set.key));
    for (const set of sets) {
      if (this.#owned.has(set.key)) {
        any = true;
        // (the operator's line, with shard names, is the coordinator's "ownership changed")
        this.#deps.logger.debug('lock lost; aborting its agents', { set: set.key, lockId: set.lockId, reason: error.reason });
        const work = this.stopSet(set, 'lock-lost', false, error).then(() => this.#deps.events.emit('lockLost', { set, error }));
        this.#track(work);
      }
      // (stopSet began the set's drain synchronously, so it is found here)
      const drained = this.#drains.whenSettled(set.key);
      if (drained !== undefined) waitUntil?.(drained);
      // A set already draining (hand-over, pause, stop) lost its lock before its release: still a
      // loss, announced once its agents returned, as for an owned set.
      if (!this.#owned.has(set.key) && drained !== undefined && !ownedBefore.has(set.key)) {
        this.#track(drained.then(() => this.#deps.events.emit('lockLost', { set, error })));
      }
    }
    return any;
  }

  #track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => this.#pending.delete(work));
  }

  /**
   * Aborts every agent (lifetime signal) and stops them, waiting at most `stopDrainTimeout`; then,
   * with `release`, releases the sets whose agents all returned (ONE `releaseAll` when every set
   * drained in time) and leaves the others to be released by their drains; without it, keeps
   * tracking the sets (their agents restart after `resume`, once returned).
   */
  async stopAll(reason: 'pause' | 'stop', release: boolean): Promise<void> {
    const why = new CoordinatorError('DISPOSED', `coordinator ${reason === 'pause' ? 'paused' : 'stopping'}`);
    this.#lifetime.abort(why);
    // Abort every agent now (each set's one signal), before waiting for anything.
    for (const entry of this.#owned.values()) entry.controller.abort(why);
    const owned = [...this.#owned.values()];
    const work = Promise.all([...this.#pending, ...owned.map((entry) => this.stopSet(entry.set, reason, false, why)), this.#deps.daemons.stopAll(why)]);
    if (!(await this.#drains.bounded(work))) {
      this.#deps.logger.warn('agents did not stop within the drain timeout; their locks stay held until they return', {
        timeoutMs: this.#deps.settings.stopDrainTimeout,
        draining: this.#drains.status().map((drain) => drain.key),
      });
    }
    if (!release) {
      for (const entry of owned) this.#owned.set(entry.set.key, { ...entry, controller: new AbortController(), started: new Set() });
      return;
    }
    if (this.#drains.size === 0) {
      try {
        await this.#deps.distributor.releaseAll();
        for (const entry of owned) this.#deps.events.emit('lockReleased', { set: entry.set, reason });
      } catch (error) {
        this.#deps.logger.warn('releasing locks failed', { error });
        this.#deps.onError(error);
      }
      return;
    }
    await Promise.all(owned.map((entry) => this.#drains.releaseWhenSettled(entry.set)));
  }

  /** Sets whose agents have not all returned (see {@link SetDrains}). */
  draining(): DrainingSetStatus[] {
    return this.#drains.status();
  }

  isDraining(set: ProjectionSet): boolean {
    return this.#drains.isDraining(set.key);
  }

  /** Resolves once no set is draining. */
  whenDrained(): Promise<void> {
    return this.#drains.whenIdle();
  }

  status(): OwnedSetStatus[] {
    return [...this.#owned.values()].map((owned) => {
      const daemon = this.#deps.daemons.peek(owned.set.database.id);
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
          return { shard: shard.identity, status: state.status, ...(state.pausedAt === undefined ? {} : { pausedAt: state.pausedAt }), ...(state.error === undefined ? {} : { error: state.error }) };
        }),
      };
    });
  }
}
