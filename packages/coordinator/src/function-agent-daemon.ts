import { systemClock, toLogger, type Clock, type ConsoleLike, type Logger } from '@polecat/app-lock';
import type { ProjectionDatabase, ShardName } from '@polecat/distributors';
import { ListenerSet } from '@polecat/kit';
import { CoordinatorError } from './coordinator-error';
import { CoalescedDeadline } from './internal/coalesced-deadline';
import { LinkedAborts } from './internal/linked-aborts';
import type { AgentStartContext, AgentState, ProjectionDaemon } from './projection-daemon';

/** What an agent function receives. */
export interface AgentContext {
  /** Aborts when this node must stop running the shard (lock lost or released, stop, pause). Honour it. */
  readonly signal: AbortSignal;
  readonly shard: ShardName;
  readonly database: ProjectionDatabase;
  /** Fencing epoch of the current grant, when the coordinator has an epoch source. */
  readonly epoch?: bigint;
  /**
   * Reports progress (optionally where the agent is: a checkpoint, an offset). With
   * `stallTimeoutMs` set, an agent that does not call it for that long is reported stalled (and,
   * opted in, restarted or handed over). Cheap: call it after each batch. A no-op otherwise.
   */
  readonly progress: (position?: unknown) => void;
}

/**
 * One shard's work. Running while the promise is pending; resolving on its own means `Stopped`;
 * rejecting (without an abort) means `Paused` (the coordinator restarts it later).
 */
export type AgentFunction = (context: AgentContext) => Promise<void>;

/** Agents by shard identity (`Trip:All`) or by shard name (`Trip`), or a resolver. */
export type AgentFunctions = Readonly<Record<string, AgentFunction>> | ((shard: ShardName, database: ProjectionDatabase) => AgentFunction | undefined);

/** Options of {@link FunctionAgentDaemon}. */
export interface FunctionAgentDaemonOptions {
  readonly database: ProjectionDatabase;
  readonly agents: AgentFunctions;
  /** How long `stopAgent`/`stopAll` wait for an aborted function to settle. Default 5000 ms. */
  readonly drainTimeoutMs?: number;
  /** Default `systemClock`. */
  readonly clock?: Clock;
  /** Default silent. */
  readonly logger?: Logger | ConsoleLike;
}

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

const noop = (): void => undefined;

/** Waits for `done`; `false` (without waiting further) when `signal` aborts first. */
function settledUnlessAborted(done: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => resolve(false);
    signal.addEventListener('abort', onAbort, { once: true });
    void done.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    });
  });
}

/** One shared linker: the coordinator hands every agent of a set the same signal. */
const linked = new LinkedAborts();

/** A {@link ProjectionDaemon} where each shard is an async function receiving `{ signal, shard, database, epoch }`. */
export class FunctionAgentDaemon implements ProjectionDaemon, AsyncDisposable {
  readonly database: ProjectionDatabase;
  readonly #agents: AgentFunctions;
  readonly #drainTimeoutMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #states = new Map<string, AgentState>();
  readonly #running = new Map<string, Running>();
  readonly #deadline: CoalescedDeadline;
  #disposed = false;
  readonly #failureListeners = new ListenerSet<[ShardName]>((error) => this.#logger.warn('agent failure listener threw', { error }));

  constructor(options: FunctionAgentDaemonOptions) {
    const drain = options.drainTimeoutMs ?? 5000;
    if (!Number.isFinite(drain) || drain < 0) throw new CoordinatorError('INVALID_CONFIGURATION', `drainTimeoutMs must be >= 0, got ${String(drain)}`);
    this.database = options.database;
    this.#agents = options.agents;
    this.#drainTimeoutMs = drain;
    this.#clock = options.clock ?? systemClock;
    // stopping 10 000 agents in one tick arms one drain timer, not one each
    this.#deadline = new CoalescedDeadline(this.#clock, drain);
    this.#logger = toLogger(options.logger);
  }

  #resolve(shard: ShardName): AgentFunction | undefined {
    if (typeof this.#agents === 'function') return this.#agents(shard, this.database);
    const byIdentity = Object.hasOwn(this.#agents, shard.identity) ? this.#agents[shard.identity] : undefined;
    return byIdentity ?? (Object.hasOwn(this.#agents, shard.name) ? this.#agents[shard.name] : undefined);
  }

  /**
   * Starts the shard's function (no-op while it runs). While a previous run of the shard was
   * aborted but has not returned yet (`Stopping`), waits for it to return first (never two runs of
   * one shard at once); if `context.signal` aborts meanwhile, starts nothing. Rejects with
   * `UNKNOWN_AGENT` or `DISPOSED`.
   */
  async startAgent(shard: ShardName, context: AgentStartContext): Promise<void> {
    if (this.#disposed) throw new CoordinatorError('DISPOSED', 'the daemon was disposed');
    for (let previous = this.#running.get(shard.identity); previous !== undefined; previous = this.#running.get(shard.identity)) {
      if (!previous.controller.signal.aborted) return; // running: nothing to do
      if (!(await settledUnlessAborted(previous.done, context.signal))) return;
      if (this.#disposed) throw new CoordinatorError('DISPOSED', 'the daemon was disposed');
    }
    const agent = this.#resolve(shard);
    if (agent === undefined) throw new CoordinatorError('UNKNOWN_AGENT', `no agent function for shard ${shard.identity}`);
    // ONE signal per agent: its own controller, aborted by stopAgent or (one listener per set
    // signal, see LinkedAborts) by the context's signal. No per-agent AbortSignal.any.
    const dedicated = context.controller !== undefined && context.controller.signal === context.signal;
    const controller = dedicated ? context.controller! : new AbortController();
    const unlink = dedicated ? noop : linked.link(context.signal, controller);
    const signal = controller.signal;
    const agentContext: AgentContext = {
      signal,
      shard,
      database: this.database,
      progress: context.progress ?? noop,
      ...(context.epoch === undefined ? {} : { epoch: context.epoch }),
    };
    this.#states.set(shard.identity, { shard, status: 'Running' });
    const done = Promise.resolve()
      .then(() => agent(agentContext))
      .then(
        () => {
          unlink();
          this.#settled(shard, controller, signal, undefined);
        },
        (error: unknown) => {
          unlink();
          this.#settled(shard, controller, signal, error ?? new Error('agent rejected'));
        },
      );
    this.#running.set(shard.identity, { controller, done });
  }

  #settled(shard: ShardName, controller: AbortController, signal: AbortSignal, error: unknown): void {
    // (defensive: a newer run never starts before this one settled, see startAgent)
    if (this.#running.get(shard.identity)?.controller !== controller) return;
    this.#running.delete(shard.identity);
    if (error !== undefined && !signal.aborted) {
      this.#logger.warn('agent failed; paused', { shard: shard.identity, database: this.database.id, error });
      this.#states.set(shard.identity, { shard, status: 'Paused', pausedAt: this.#clock.now(), error });
      this.#failureListeners.emit(shard);
    } else {
      this.#states.set(shard.identity, { shard, status: 'Stopped', ...(error === undefined ? {} : { error }) });
    }
  }

  /** Subscribes to agents that failed on their own (see `ProjectionDaemon.onAgentFailed`). */
  onAgentFailed(listener: (shard: ShardName) => void): () => void {
    return this.#failureListeners.add(listener);
  }

  /**
   * Aborts the agent and waits for it to settle, at most `drainTimeoutMs`. An agent still running
   * then is reported `Stopping` until it returns ({@link whenSettled} tells when).
   */
  async stopAgent(shard: ShardName, reason?: unknown): Promise<void> {
    const running = this.#running.get(shard.identity);
    if (running === undefined) {
      const state = this.#states.get(shard.identity);
      if (state?.status === 'Paused') this.#states.set(shard.identity, { shard, status: 'Stopped', error: state.error });
      return;
    }
    running.controller.abort(reason ?? new CoordinatorError('DISPOSED', `agent ${shard.identity} stopped`));
    await this.#drain([running.done]);
  }

  /** Stops every agent, waiting at most `drainTimeoutMs` in total. */
  async stopAll(reason?: unknown): Promise<void> {
    const all = [...this.#running.entries()];
    for (const [, running] of all) running.controller.abort(reason ?? new CoordinatorError('DISPOSED', 'all agents stopped'));
    for (const [identity, state] of this.#states) {
      if (state.status === 'Paused') this.#states.set(identity, { shard: state.shard, status: 'Stopped', error: state.error });
    }
    await this.#drain(all.map(([, running]) => running.done));
  }

  async #drain(work: readonly Promise<void>[]): Promise<void> {
    if (work.length === 0) return;
    if (!(await this.#deadline.race(Promise.all(work)))) {
      this.#logger.warn('agents ignored their abort signal past the drain timeout', { database: this.database.id, timeoutMs: this.#drainTimeoutMs });
    }
  }

  /** Resolves once the shard's current run (if any) has returned, however long it takes. Never rejects. */
  whenSettled(shard: ShardName): Promise<void> {
    return this.#running.get(shard.identity)?.done ?? Promise.resolve();
  }

  /** The agent's state; `Stopping` while an aborted run has not returned yet. */
  statusOf(shard: ShardName): AgentState | undefined {
    const state = this.#states.get(shard.identity);
    if (state?.status === 'Running' && this.#running.get(shard.identity)?.controller.signal.aborted === true) return { shard, status: 'Stopping' };
    return state;
  }

  anyPaused(): boolean {
    for (const state of this.#states.values()) if (state.status === 'Paused') return true;
    return false;
  }

  /** Every agent this daemon knows, with its state (see {@link statusOf}). */
  states(): readonly AgentState[] {
    return [...this.#states.values()].map((state) => this.statusOf(state.shard) ?? state);
  }

  /** Stops everything; later starts reject with `DISPOSED`. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.stopAll();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/**
 * A `daemonFor` factory for `ProjectionCoordinator`: one {@link FunctionAgentDaemon} per database.
 * @example new ProjectionCoordinator({ mode: 'HotCold', distributor, daemonFor: createFunctionDaemonFactory({ Trip: runTrip }) })
 */
export function createFunctionDaemonFactory(
  agents: AgentFunctions,
  options: Omit<FunctionAgentDaemonOptions, 'database' | 'agents'> = {},
): (database: ProjectionDatabase) => FunctionAgentDaemon {
  return (database) => new FunctionAgentDaemon({ ...options, database, agents });
}
