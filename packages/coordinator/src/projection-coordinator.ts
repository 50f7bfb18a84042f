import { systemClock, toLogger, type Clock, type Logger } from '@polecat/app-lock';
import type { ProjectionDistributor, ProjectionSet } from '@polecat/distributors';
import { CoordinatorError } from './coordinator-error';
import type { CoordinatorEvents } from './coordinator-events';
import { resolveCoordinatorSettings, type CoordinatorSettings } from './coordinator-settings';
import type { CoordinatorState, CoordinatorStatus } from './coordinator-status';
import { isDaemonMode, type DaemonMode } from './daemon-mode';
import { defaultOwnershipPolicy } from './internal/default-policy';
import { ClusterObserver } from './internal/cluster-observer';
import { DaemonPool } from './internal/daemon-pool';
import { IntentReader } from './internal/intent-reader';
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
  #stopping: Promise<void> | undefined;
  #unsubscribeLost: (() => void) | undefined;
  #unsubscribeNotice: (() => void) | undefined;
  #noticeWaker: ReleaseNoticeWaker | undefined;
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
      });
    }
    const notify = (): void => this.#waiters.notify();
    for (const event of ['cycle', 'lockAcquired', 'lockLost', 'lockReleased', 'agentStarted', 'agentStopped'] as const) this.#events.on(event, notify);
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
    this.#started ??= this.#launch();
    return this.#started;
  }

  async #launch(): Promise<void> {
    this.#setState('running');
    if (this.#distributor === undefined) return;
    this.#unsubscribeLost = this.#distributor.onSetsLost((event) => {
      this.#ownership!.lost(event.sets, event.error);
      for (const set of event.sets) this.#logger.debug('set lost', { set: set.key, lockId: set.lockId });
      this.wake();
    });
    // Another node released locks (graceful stop, hand-over): try now, not at the next poll.
    if (typeof this.#distributor.onReleaseNotice === 'function') {
      const waker = new ReleaseNoticeWaker(() => this.wake(), this.#clock);
      this.#noticeWaker = waker;
      this.#unsubscribeNotice = this.#distributor.onReleaseNotice(() => waker.notice());
    }
    if (typeof this.#intentSource?.onChange === 'function') this.#unsubscribeIntents = this.#intentSource.onChange(() => this.wake());
    this.#startLoop();
  }

  #startLoop(): void {
    const controller = new AbortController();
    this.#ownership!.renew();
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

  /**
   * Stops the loop and every agent (waiting up to `stopDrainTimeout`); with `releaseLocksOnPause`
   * (default) releases the locks so other nodes take over. `resume()` starts again.
   */
  async pause(): Promise<void> {
    if (this.#state !== 'running' || this.#ownership === undefined) return;
    this.#setState('paused');
    await this.#haltLoop();
    const release = this.settings.releaseLocksOnPause;
    const sets = this.#ownership.tracked();
    await this.#ownership.stopAll('pause', release);
    if (release) await this.#releaseAll(sets);
    this.#waiters.notify();
  }

  /** Starts the loop again after `pause()`. */
  async resume(): Promise<void> {
    if (this.#state !== 'paused') return;
    this.#setState('running');
    this.#startLoop();
    this.wake();
  }

  /**
   * Graceful stop: ends the loop, aborts every agent and waits for them up to `stopDrainTimeout`,
   * releases every lock, then disposes the daemons and the distributor (closing connections).
   * Idempotent and quiet; the coordinator cannot be started again.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async #shutdown(): Promise<void> {
    this.#detachSignal?.();
    this.#setState('stopping');
    try {
      await this.#haltLoop();
      this.#unsubscribeLost?.();
      this.#unsubscribeNotice?.();
      this.#unsubscribeIntents?.();
      this.#noticeWaker?.dispose();
      if (this.#ownership !== undefined && this.#distributor !== undefined) {
        const sets = this.#ownership.tracked();
        await this.#ownership.stopAll('stop', true);
        await this.#releaseAll(sets);
        await this.#daemons!.disposeAll();
        await this.#quietly('disposing the distributor', () => this.#distributor!.dispose());
      }
    } finally {
      this.#setState('stopped');
    }
  }

  /** Same as `stop()`. */
  dispose(): Promise<void> {
    return this.stop();
  }

  /** `await using coordinator = ...` stops it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  async #releaseAll(sets: readonly ProjectionSet[]): Promise<void> {
    const ok = await this.#quietly('releasing locks', () => this.#distributor!.releaseAll());
    if (ok) for (const set of sets) this.#events.emit('lockReleased', { set });
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
    };
  }

  /**
   * Resolves once the status satisfies `target`: a number means "owns exactly that many sets and
   * all their agents run"; a function is any predicate. Rejects with `TIMEOUT` (default 30 s).
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
