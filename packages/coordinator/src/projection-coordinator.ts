import type { Clock } from '@polecat/app-lock';
import { SerialQueue } from '@polecat/kit';
import { CoordinatorError } from './coordinator-error';
import type { CoordinatorEvents } from './coordinator-events';
import type { CoordinatorHealth } from './coordinator-health';
import type { CoordinatorSettings } from './coordinator-settings';
import type { CoordinatorState, CoordinatorStatus, StopResult } from './coordinator-status';
import type { DaemonMode } from './daemon-mode';
import { compose } from './internal/compose';
import type { Coordination } from './internal/coordination';
import type { ErrorRecord } from './internal/error-record';
import type { CoordinatorLoop } from './internal/loop/coordinator-loop';
import { shutdown, type Shutdown } from './internal/shutdown';
import { healthOf, snapshot } from './internal/snapshot';
import { StatusWaiters, type WaitOptions } from './internal/status-waiters';
import type { Listener, TypedEmitter } from './internal/typed-emitter';
import type { ProjectionCoordinatorOptions } from './projection-coordinator-options';

const noop = (): void => undefined;

/** Events after which a status waiter looks again. */
const STATUS_CHANGES = ['cycle', 'lockAcquired', 'lockLost', 'lockReleased', 'agentStarted', 'agentStopped', 'drainOverrun'] as const;

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
  readonly #clock: Clock;
  readonly #events: TypedEmitter<CoordinatorEvents>;
  readonly #errors: ErrorRecord;
  readonly #c: Coordination | undefined;
  readonly #loop: CoordinatorLoop | undefined;
  readonly #waiters: StatusWaiters;
  readonly #lifecycle = new SerialQueue();
  #state: CoordinatorState = 'idle';
  #started: Promise<void> | undefined;
  #stopping: Promise<StopResult> | undefined;
  #settled: Promise<void> | undefined;
  #detachSignal: (() => void) | undefined;

  constructor(options: ProjectionCoordinatorOptions) {
    this.#waiters = new StatusWaiters(() => this.status());
    const parts = compose(options, { changed: () => this.#waiters.notify() });
    this.mode = parts.mode;
    this.settings = parts.settings;
    this.#clock = parts.clock;
    this.#events = parts.events;
    this.#errors = parts.errors;
    this.#c = parts.coordination;
    this.#loop = parts.loop;
    for (const event of STATUS_CHANGES) this.#events.on(event, () => this.#waiters.notify());
    const signal = options.signal;
    if (signal?.aborted === true) void this.stop();
    else if (signal !== undefined) {
      const onAbort = (): void => void this.stop();
      signal.addEventListener('abort', onAbort, { once: true });
      // a long-lived signal must not keep a stopped coordinator reachable
      this.#detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
  }

  /** Current lifecycle state. */
  get state(): CoordinatorState {
    return this.#state;
  }

  /**
   * Starts the loop (resolves at once; the first cycle runs in the background). A second call
   * returns the same promise and never starts a second loop. Rejects with `DISPOSED` after stop.
   * It waits (up to `startCheckMs`, default 5 s) for the first lock round trip: a database that
   * refuses this node for good (wrong password, missing database, a pooler in transaction mode)
   * stops the coordinator and rejects with `DATABASE_REFUSED`, saying what to fix; one that does
   * not answer (refused port, black-holed host) is transient: start resolves and the loop retries
   * with backoff (`health()` unhealthy, `DATABASE_UNREACHABLE`). With `failFastOnStart`, it waits for
   * the first cycle or its first failed lock round trip, whichever comes first: an unreachable
   * database also stops the coordinator and rejects (`DATABASE_UNREACHABLE`), after one connect
   * timeout at most for a host that never answers.
   */
  start(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return Promise.reject(new CoordinatorError('DISPOSED', 'the coordinator was stopped'));
    this.#started ??= this.#launch();
    return this.#started;
  }

  async #launch(): Promise<void> {
    this.#setState('running');
    if (this.#loop === undefined || this.#c === undefined) return;
    const verdict = this.#c.operations.startVerdict();
    this.#loop.start();
    const refused = await verdict;
    const failure = refused ?? (this.settings.failFastOnStart ? await this.#c.operations.firstCycleFailure() : undefined);
    if (failure === undefined) return;
    await this.stop();
    throw failure;
  }

  /** Forces an immediate cycle (ends the current sleep). */
  wake(): void {
    this.#c?.wake();
  }

  /**
   * Stops the loop and every agent (waiting up to `stopDrainTimeoutMs`); with `releaseLocksOnPause`
   * (default) releases the locks so other nodes take over, each set's only once all its agents
   * returned (a set whose agents overrun the timeout keeps its lock until they do). `resume()`
   * starts again. `pause()`, `resume()` and `stop()` are serialised: each waits for the previous.
   */
  pause(): Promise<void> {
    return this.#lifecycle.run(async () => {
      if (this.#state !== 'running' || this.#c === undefined) return;
      this.#setState('paused');
      await this.#loop?.halt();
      await this.#c.ownership.stopAll('pause', this.settings.releaseLocksOnPause);
      this.#waiters.notify();
    });
  }

  /** Starts the loop again after `pause()` (after the pause has finished, if it is still running). */
  resume(): Promise<void> {
    return this.#lifecycle.run(async () => {
      if (this.#state !== 'paused') return;
      this.#setState('running');
      this.#loop?.start();
      this.wake();
    });
  }

  /**
   * Graceful stop: ends the loop, aborts every agent and waits for them up to `stopDrainTimeoutMs`
   * BEFORE it releases anything; releases the sets whose agents returned, then disposes the daemons
   * and the distributor (closing connections). Agents still running at the deadline are named in
   * the result (`drained: false`, `draining`): their locks stay held, and the connections open,
   * until they return ({@link whenSettled}) or the process ends. Idempotent (same result) and
   * quiet; the coordinator cannot be started again. Runs after an unfinished `pause()` / `resume()`.
   */
  stop(): Promise<StopResult> {
    this.#detachSignal?.();
    this.#stopping ??= this.#lifecycle.run(() => this.#shutdown());
    return this.#stopping;
  }

  /**
   * Resolves once a stop has fully ended: the last agent returned and the remaining locks and
   * connections were released (at once after a drained stop). Waits for `stop()` to be called.
   * Never rejects.
   */
  async whenSettled(): Promise<void> {
    while (this.#settled === undefined) await (this.#stopping?.then(noop, noop) ?? this.whenStopped({ timeoutMs: Infinity }));
    await this.#settled;
  }

  async #shutdown(): Promise<StopResult> {
    this.#setState('stopping');
    let ended: Shutdown = { draining: [], settled: Promise.resolve() };
    try {
      ended = await shutdown(this.#c, this.#loop);
    } finally {
      this.#settled = ended.settled;
      this.#setState('stopped');
    }
    return { drained: ended.draining.length === 0, draining: ended.draining };
  }

  /** Same as `stop()`, without its result. */
  async dispose(): Promise<void> {
    await this.stop();
  }

  /** `await using coordinator = ...` stops it at scope exit. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  #setState(state: CoordinatorState): void {
    this.#state = state;
    this.#waiters.notify();
  }

  /** Subscribes to a typed event; returns the unsubscribe function. Listener exceptions are logged, never propagated. */
  on<K extends keyof CoordinatorEvents>(event: K, listener: Listener<CoordinatorEvents, K>): () => void {
    return this.#events.on(event, listener);
  }

  /** Subscribes to the next `event` only; returns the function that unsubscribes before then. */
  once<K extends keyof CoordinatorEvents>(event: K, listener: Listener<CoordinatorEvents, K>): () => void {
    return this.#events.once(event, listener);
  }

  /** Unsubscribes `listener` (added with `on` or `once`). */
  off<K extends keyof CoordinatorEvents>(event: K, listener: Listener<CoordinatorEvents, K>): void {
    this.#events.off(event, listener);
  }

  /** A snapshot: mode, state, owned sets with their agents, cycle count, last error. */
  status(): CoordinatorStatus {
    return snapshot(
      { mode: this.mode, state: this.#state, clock: this.#clock, errors: this.#errors, cycles: this.#loop?.cycles ?? 0, health: this.health() },
      this.#c,
    );
  }

  /**
   * Healthy / degraded / unhealthy with typed reasons: not running, loop not cycling, database
   * unreachable (with its typed cause and since when), stalled agents, locks lost repeatedly.
   * `alive` answers a liveness probe, `ready` a readiness probe. Cheap: call it from any probe.
   */
  health(): CoordinatorHealth {
    return healthOf(this.#state, this.#clock.now(), this.#c);
  }

  /**
   * Resolves once the status satisfies `target`: a number means "owns exactly that many sets and
   * all their agents run"; a function is any predicate. Rejects with `TIMEOUT` (default 30 s;
   * `timeoutMs: Infinity` for none).
   *
   * For tests, demos and tools that know what this node should own. Do not gate a production
   * node's start-up on it: balancing leaves a standby owning nothing, and a standby is healthy. To
   * act when this node starts a shard, listen to `agentStarted`; to know it runs, read `state`.
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
