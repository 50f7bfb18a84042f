import { systemClock, toLogger, type Clock, type Logger } from '@polecat/app-lock';
import type { ProjectionDistributor, ProjectionSet } from '@polecat/distributors';
import { CoordinatorError } from './coordinator-error';
import type { CoordinatorEvents } from './coordinator-events';
import { resolveCoordinatorSettings, type CoordinatorSettings } from './coordinator-settings';
import type { CoordinatorState, CoordinatorStatus, DrainingSetStatus, StopResult } from './coordinator-status';
import { isDaemonMode, type DaemonMode } from './daemon-mode';
import { defaultOwnershipPolicy } from './internal/default-policy';
import { ClusterObserver } from './internal/cluster-observer';
import { DaemonPool } from './internal/daemon-pool';
import { IntentReader } from './internal/intent-reader';
import { CoordinatorOperations } from './internal/operations';
import { healthFrom, type CoordinatorHealth } from './coordinator-health';
import { ReleaseNoticeWaker } from './internal/release-notice-waker';
import { runCycle } from './internal/run-cycle';
import { SetOwnership } from './internal/set-ownership';
import { StatusWaiters, type WaitOptions } from './internal/status-waiters';
import { TypedEmitter, type Listener } from './internal/typed-emitter';
import { WakeableSleep } from './internal/wakeable-sleep';
import type { OwnershipIntentSource } from './ownership-intents';
import type { OwnershipPolicy } from './ownership-policy';
import type { ProjectionCoordinatorOptions } from './projection-coordinator-options';

/**
 * Turns lock ownership into running agents: each cycle it builds the distribution, keeps the
 * agents of held sets running, tries every other set in ONE batched attempt, starts what it was
 * granted and stops what it does not hold. A lost lock aborts that set's agents at once.
 * @example
 * await using coordinator = new ProjectionCoordinator({ mode: 'HotCold', distributor, daemonFor });
 * await coordinator.start();
 */
export class ProjectionCoordinator implements AsyncDisposable {
  readonly mode: DaemonMode;
  readonly settings: CoordinatorSettings;
  readonly #distributor: ProjectionDistributor | undefined;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #events: TypedEmitter<CoordinatorEvents>;
  readonly #daemons: DaemonPool | undefined;
  readonly #ownership: SetOwnership | undefined;
  readonly #ops: CoordinatorOperations | undefined;
  #isStaleEpoch: ((error: unknown) => boolean) | undefined;
  readonly #policy: OwnershipPolicy | undefined;
  readonly #intentSource: OwnershipIntentSource | undefined;
  readonly #intents: IntentReader | undefined;
  #unsubscribeIntents: (() => void) | undefined;
  readonly #sleep: WakeableSleep;
  readonly #waiters: StatusWaiters;
  #state: CoordinatorState = 'idle';
  #cycles = 0;
  #lastError: unknown;
  #randomWaitDone = false;
  #loop: { readonly controller: AbortController; readonly done: Promise<void> } | undefined;
  #started: Promise<void> | undefined;
  #stopping: Promise<StopResult> | undefined;
  /** pause / resume / stop run one after the other (each waits for the previous to finish). */
  #lifecycle: Promise<unknown> = Promise.resolve();
  #unsubscribeLost: (() => void) | undefined;
  #unsubscribeNotice: (() => void) | undefined;
  #noticeWaker: ReleaseNoticeWaker | undefined;
  #unsubscribeMemberLeft: (() => void) | undefined;
  #detachSignal: (() => void) | undefined;

  constructor(options: ProjectionCoordinatorOptions) {
    if (!isDaemonMode(options?.mode)) throw new CoordinatorError('INVALID_CONFIGURATION', `mode must be one of Disabled, Solo, HotCold; got ${String(options?.mode)}`);
    this.mode = options.mode;
    this.settings = resolveCoordinatorSettings(options.settings);
    this.#logger = toLogger(options.logger);
    this.#clock = options.clock ?? systemClock;
    this.#events = new TypedEmitter<CoordinatorEvents>(this.#logger);
    this.#sleep = new WakeableSleep(this.#clock);
    this.#waiters = new StatusWaiters(() => this.status());
    this.#policy = options.policy ?? defaultOwnershipPolicy(options.mode, options.distributor, this.settings);
    this.#intentSource = options.ownershipIntents;
    this.#intents = options.ownershipIntents === undefined ? undefined : new IntentReader(options.ownershipIntents, this.#logger);
    if (this.mode === 'Disabled') {
      this.#distributor = undefined;
      this.#daemons = undefined;
      this.#ownership = undefined;
      this.#ops = undefined;
    } else {
      const { distributor, daemonFor } = options;
      if (distributor === undefined) throw new CoordinatorError('INVALID_CONFIGURATION', `mode ${this.mode} needs a distributor`);
      if (typeof daemonFor !== 'function') throw new CoordinatorError('INVALID_CONFIGURATION', `mode ${this.mode} needs a daemonFor factory`);
      if ((this.mode === 'Solo') !== (distributor.kind === 'solo')) {
        throw new CoordinatorError('INVALID_CONFIGURATION', `mode ${this.mode} does not match a ${distributor.kind} distributor`);
      }
      this.#distributor = distributor;
      const epochs = options.epochs;
      if (epochs?.isStale !== undefined) this.#isStaleEpoch = (error) => epochs.isStale?.(error) === true;
      // an agent failing on its own wakes the loop (a stale epoch is handed over at once)
      this.#daemons = new DaemonPool(daemonFor, this.#logger, () => this.wake());
      this.#ownership = new SetOwnership({
        distributor,
        daemons: this.#daemons,
        settings: this.settings,
        logger: this.#logger,
        clock: this.#clock,
        events: this.#events,
        ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
        onError: (error) => {
          this.#lastError = error;
        },
        progressFor: (set, shard) => this.#ops?.progressFor(set, shard),
        // a set whose agents all returned may be attempted (or, its lock lost, started) again now
        onDrained: () => {
          this.#waiters.notify();
          this.wake();
        },
      });
      this.#ops = new CoordinatorOperations({
        distributor,
        daemons: this.#daemons,
        ownership: this.#ownership,
        settings: this.settings,
        logger: this.#logger,
        clock: this.#clock,
        events: this.#events,
        wake: () => this.wake(),
      });
    }
    const notify = (): void => this.#waiters.notify();
    for (const event of ['cycle', 'lockAcquired', 'lockLost', 'lockReleased', 'agentStarted', 'agentStopped', 'drainOverrun'] as const) this.#events.on(event, notify);
    if (options.signal !== undefined) {
      const signal = options.signal;
      if (signal.aborted) void this.stop();
      else {
        const onAbort = (): void => void this.stop();
        signal.addEventListener('abort', onAbort, { once: true });
        // a long-lived signal must not keep a stopped coordinator reachable
        this.#detachSignal = () => signal.removeEventListener('abort', onAbort);
      }
    }
  }

  /** Current lifecycle state. */
  get state(): CoordinatorState {
    return this.#state;
  }

  /**
   * Starts the loop (resolves at once; the first cycle runs in the background). A second call
   * returns the same promise and never starts a second loop. Rejects with `DISPOSED` after stop.
   */
  start(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return Promise.reject(new CoordinatorError('DISPOSED', 'the coordinator was stopped'));
    this.#started ??= this.#launch().then(() => this.#failFast());
    return this.#started;
  }

  /** `failFastOnStart`: waits for the first cycle; an unreachable database stops the coordinator and rejects. */
  async #failFast(): Promise<void> {
    if (!this.settings.failFastOnStart || this.#ops === undefined) return;
    const failure = await this.#ops.firstCycleFailure();
    if (failure === undefined) return;
    await this.stop();
    throw failure;
  }

  async #launch(): Promise<void> {
    this.#setState('running');
    if (this.#distributor === undefined) return;
    this.#unsubscribeLost = this.#distributor.onSetsLost((event) => {
      // the lost sets' drains keep a given-up lock connection open until their agents returned
      const draining = this.#ownership!.lost(event.sets, event.error, event.waitUntil === undefined ? undefined : (work) => event.waitUntil?.(work));
      for (const set of event.sets) this.#logger.debug('set lost', { set: set.key, lockId: set.lockId });
      // a tracked set is attempted again only once its agents returned: its drain wakes the loop then
      if (!draining) this.wake();
    });
    // Another node released locks (graceful stop, hand-over): try now, not at the next poll.
    if (typeof this.#distributor.onReleaseNotice === 'function') {
      const waker = new ReleaseNoticeWaker(() => this.wake(), this.#clock);
      this.#noticeWaker = waker;
      this.#unsubscribeNotice = this.#distributor.onReleaseNotice(() => waker.notice());
    }
    // A member died (its slot, watched by a waiting lock request, was granted here): take a new
    // fair share now, not at the next poll.
    if (typeof this.#distributor.onMemberLeft === 'function') {
      this.#unsubscribeMemberLeft = this.#distributor.onMemberLeft((databaseId) => {
        this.#logger.debug('a member left; cycling now', { database: databaseId });
        this.#events.emit('memberLeft', { databaseId });
        this.wake();
      });
    }
    if (typeof this.#intentSource?.onChange === 'function') this.#unsubscribeIntents = this.#intentSource.onChange(() => this.wake());
    this.#startLoop();
  }

  #startLoop(): void {
    const controller = new AbortController();
    this.#ownership!.renew();
    this.#ops?.started();
    this.#loop = { controller, done: this.#run(controller.signal) };
  }

  async #run(signal: AbortSignal): Promise<void> {
    const distributor = this.#distributor!;
    if (!this.#randomWaitDone) {
      this.#randomWaitDone = true;
      try {
        await distributor.randomWait(signal);
      } catch {
        // aborted: the loop below exits at once
      }
    }
    const context = {
      distributor,
      daemons: this.#daemons!,
      ownership: this.#ownership!,
      settings: this.settings,
      logger: this.#logger,
      clock: this.#clock,
      events: this.#events,
      ...(this.#policy === undefined ? {} : { policy: this.#policy }),
      ...(this.#policy?.usesMembership === true ? { cluster: new ClusterObserver() } : {}),
      ...(this.#isStaleEpoch === undefined ? {} : { isStaleEpoch: this.#isStaleEpoch }),
      ...(this.#intents === undefined ? {} : { intents: this.#intents }),
      ...(this.#ops === undefined ? {} : { failedThisCycle: (databaseId: string) => this.#ops!.failedThisCycle(databaseId) }),
      onError: (error: unknown, set?: ProjectionSet) => {
        this.#lastError = error;
        this.#events.emit('error', set === undefined ? { error } : { error, set });
      },
    };
    while (!signal.aborted) {
      let sleepMs = this.settings.leadershipPollingTime;
      try {
        sleepMs = await runCycle(context, signal);
      } catch (error) {
        this.#logger.error('coordinator cycle failed; continuing', { error });
        context.onError(error);
      }
      if (signal.aborted) break;
      if (this.#ops !== undefined) sleepMs = this.#ops.nextSleep(sleepMs);
      this.#cycles += 1;
      this.#waiters.notify();
      await this.#sleep.sleep(sleepMs, signal);
    }
  }

  async #haltLoop(): Promise<void> {
    const loop = this.#loop;
    this.#loop = undefined;
    if (loop === undefined) return;
    loop.controller.abort(new CoordinatorError('DISPOSED', 'coordinator loop stopped'));
    await loop.done;
  }

  /** Forces an immediate cycle (ends the current sleep). */
  wake(): void {
    this.#sleep.wake();
  }

  /** Runs `operation` after every pause / resume / stop called before it has finished. */
  #serialised<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#lifecycle.then(operation, operation);
    this.#lifecycle = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops the loop and every agent (waiting up to `stopDrainTimeout`); with `releaseLocksOnPause`
   * (default) releases the locks so other nodes take over, each set's only once all its agents
   * returned (a set whose agents overrun the timeout keeps its lock until they do). `resume()`
   * starts again. `pause()`, `resume()` and `stop()` are serialised: each waits for the previous.
   */
  pause(): Promise<void> {
    return this.#serialised(() => this.#pause());
  }

  async #pause(): Promise<void> {
    if (this.#state !== 'running' || this.#ownership === undefined) return;
    this.#setState('paused');
    this.#ops?.halted();
    await this.#haltLoop();
    await this.#ownership.stopAll('pause', this.settings.releaseLocksOnPause);
    this.#waiters.notify();
  }

  /** Starts the loop again after `pause()` (after the pause has finished, if it is still running). */
  resume(): Promise<void> {
    return this.#serialised(async () => {
      if (this.#state !== 'paused') return;
      this.#setState('running');
      this.#startLoop();
      this.wake();
    });
  }

  /**
   * Graceful stop: ends the loop, aborts every agent and waits for them up to `stopDrainTimeout`
   * BEFORE it releases anything; releases the sets whose agents returned, then disposes the daemons
   * and the distributor (closing connections). Agents still running at the deadline are named in
   * the result (`drained: false`, `draining`): their locks stay held, and the connections open,
   * until they return (`settled`) or the process ends. Idempotent (same result) and quiet; the
   * coordinator cannot be started again. Runs after an unfinished `pause()` / `resume()`.
   */
  stop(): Promise<StopResult> {
    this.#detachSignal?.();
    this.#stopping ??= this.#serialised(() => this.#shutdown());
    return this.#stopping;
  }

  async #shutdown(): Promise<StopResult> {
    this.#setState('stopping');
    let settled: Promise<void> = Promise.resolve();
    let draining: readonly DrainingSetStatus[] = [];
    try {
      this.#ops?.halted();
      await this.#haltLoop();
      this.#unsubscribeLost?.();
      this.#unsubscribeNotice?.();
      this.#unsubscribeMemberLeft?.();
      this.#unsubscribeIntents?.();
      this.#noticeWaker?.dispose();
      const ownership = this.#ownership;
      if (ownership !== undefined && this.#distributor !== undefined) {
        await ownership.stopAll('stop', true);
        draining = ownership.draining();
        if (draining.length > 0) {
          this.#logger.warn('stopped with agents still running; their locks stay held until they return or the process ends', {
            sets: draining.map((drain) => ({ set: drain.key, shards: drain.shards, since: drain.since })),
          });
        }
        // the rest (member slots, connections) only once no agent of a held set runs any more
        const releaseRest = draining.length > 0; // (all drained in time: stopAll released everything at once)
        settled = ownership.whenDrained().then(() => this.#closeAll(releaseRest));
        if (draining.length === 0) await settled;
      }
      await this.#ops?.dispose();
    } finally {
      this.#setState('stopped');
    }
    return { drained: draining.length === 0, draining, settled };
  }

  async #closeAll(releaseRest: boolean): Promise<void> {
    if (releaseRest) await this.#quietly('releasing locks', () => this.#distributor!.releaseAll());
    await this.#daemons!.disposeAll();
    await this.#quietly('disposing the distributor', () => this.#distributor!.dispose());
  }

  /** Same as `stop()`, without its result. */
  async dispose(): Promise<void> {
    await this.stop();
  }

  /** `await using coordinator = ...` stops it at scope exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #quietly(what: string, action: () => Promise<void>): Promise<boolean> {
    try {
      await action();
      return true;
    } catch (error) {
      this.#logger.warn(`${what} failed`, { error });
      this.#lastError = error;
      return false;
    }
  }

  #setState(state: CoordinatorState): void {
    this.#state = state;
    this.#waiters.notify();
  }

  /** Subscribes to a typed event; returns the unsubscribe function. Listener exceptions are logged, never propagated. */
  on<K extends keyof CoordinatorEvents>(event: K, listener: Listener<CoordinatorEvents, K>): () => void {
    return this.#events.on(event, listener);
  }

  /** A snapshot: mode, state, owned sets with their agents, cycle count, last error. */
  status(): CoordinatorStatus {
    const backingOff: Record<string, number> = {};
    for (const [key, entry] of this.#ownership?.backoff ?? []) if (entry.nextAttemptAt > this.#clock.now()) backingOff[key] = entry.nextAttemptAt;
    return {
      mode: this.mode,
      state: this.#state,
      owned: this.#ownership?.status() ?? [],
      cycles: this.#cycles,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      backingOff,
      health: this.health(),
      stalled: this.#ops?.stalled() ?? [],
      draining: this.#ownership?.draining() ?? [],
    };
  }

  /**
   * Healthy / degraded / unhealthy with typed reasons: not running, loop not cycling, database
   * unreachable (with its typed cause and since when), stalled agents, locks lost repeatedly.
   * `alive` answers a liveness probe, `ready` a readiness probe. Cheap: call it from any probe.
   */
  health(): CoordinatorHealth {
    if (this.#ops === undefined) return healthFrom(this.#state, this.#state === 'running' ? [] : [{ code: 'NOT_RUNNING', status: 'unhealthy', message: `the coordinator is ${this.#state}` }], this.#clock.now());
    return this.#ops.health(this.#state, this.#ownership?.draining() ?? []);
  }

  /**
   * Resolves once the status satisfies `target`: a number means "owns exactly that many sets and
   * all their agents run"; a function is any predicate. Rejects with `TIMEOUT` (default 30 s;
   * `timeoutMs: Infinity` for none).
   *
   * For tests, demos and tools that know what this node should own. Do not gate a production
   * node's start-up on it: balancing leaves a standby owning nothing (with 2 shards on 3 nodes one
   * node always owns nothing), and a standby is healthy. A node that is running is ready: it takes
   * shards over when their owner stops. To act when this node starts a shard, listen to
   * `agentStarted`; to know it is running, read `status().state`.
   */
  whenOwned(target: number | ((status: CoordinatorStatus) => boolean), options?: WaitOptions): Promise<CoordinatorStatus> {
    const predicate =
      typeof target === 'function'
        ? target
        : (status: CoordinatorStatus) => status.owned.length === target && status.owned.every((set) => set.agents.every((agent) => agent.status === 'Running'));
    return this.#waiters.wait(predicate, typeof target === 'number' ? `owning ${target} sets` : 'ownership condition', options);
  }

  /** Resolves once the coordinator is stopped. */
  whenStopped(options?: WaitOptions): Promise<CoordinatorStatus> {
    return this.#waiters.wait((status) => status.state === 'stopped', 'stopped', options);
  }
}
