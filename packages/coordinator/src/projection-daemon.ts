import type { ProjectionDatabase, ShardName } from '@polecat/distributors';

/** Status of one agent on this node. */
export const AGENT_STATUSES = ['Running', 'Stopping', 'Stopped', 'Paused'] as const;
/**
 * One of {@link AGENT_STATUSES}. `Stopping`: its signal aborted, it has not returned yet (it still
 * runs: its set's lock stays held until it returns). `Paused`: it failed and waits to be restarted.
 */
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** What a daemon knows about one of its agents. */
export interface AgentState {
  readonly shard: ShardName;
  readonly status: AgentStatus;
  /** When the agent paused (clock ms); set only while `Paused`. */
  readonly pausedAt?: number;
  /** The failure that paused or stopped it, if any. */
  readonly error?: unknown;
}

/** Handed to a daemon when the coordinator starts an agent. */
export interface AgentStartContext {
  /**
   * Aborts when this node must stop running the agent: the set's lock was lost or released, the
   * coordinator is stopping, or the agent is being stopped. `signal.reason` says why.
   */
  readonly signal: AbortSignal;
  /** Fencing epoch of this grant of the set, when the coordinator was given an epoch store. */
  readonly epoch?: bigint;
  /**
   * Optional: the controller of `signal` when that signal belongs to THIS agent alone (the
   * coordinator passes it for one-shard sets). A daemon may then hand `signal` to the agent as is
   * and abort this controller to stop it, instead of creating a second signal per agent (see the
   * README, *Scale*). Daemons may ignore it.
   */
  readonly controller?: AbortController;
  /**
   * Optional: the agent's progress report (given when stall detection is on, `stallTimeoutMs > 0`).
   * A daemon hands it to its agent (`FunctionAgentDaemon`: `context.progress`); an agent that does
   * not call it for `stallTimeoutMs` is reported stalled.
   */
  readonly progress?: (position?: unknown) => void;
}

/**
 * Runs the agents of ONE database on this node (the original's per-database daemon). Bring your
 * own, or use `FunctionAgentDaemon`.
 */
export interface ProjectionDaemon {
  readonly database: ProjectionDatabase;
  /**
   * Starts (or restarts) the agent; rejects if it cannot start. Must never run two runs of one shard
   * at once: while a previous run has not returned, a start waits for it (or is refused).
   */
  startAgent(shard: ShardName, context: AgentStartContext): Promise<void>;
  /**
   * Stops the agent and waits for it (no-op if not running). The coordinator releases the set's lock
   * only after this resolves and, when the daemon has it, after {@link whenSettled} resolves: a daemon
   * without `whenSettled` must resolve `stopAgent` only once the agent has really returned.
   */
  stopAgent(shard: ShardName, reason?: unknown): Promise<void>;
  /**
   * Optional: resolves once the shard's current run (if any) has returned, however long that takes
   * (at once when none runs). A daemon whose `stopAgent` gives up after a timeout implements this so
   * that the coordinator keeps the set's lock until the agent really returned. Never rejects.
   */
  whenSettled?(shard: ShardName): Promise<void>;
  /** Stops every agent and waits for them, up to the coordinator's drain timeout. */
  stopAll(reason?: unknown): Promise<void>;
  /** The agent's state, or undefined when it was never started here. */
  statusOf(shard: ShardName): AgentState | undefined;
  /** True when any agent is `Paused`. */
  anyPaused(): boolean;
  /**
   * Optional: subscribes to agents that FAILED on their own (now `Paused`; not those stopped by the
   * coordinator). The coordinator then runs a cycle at once instead of at its next poll, so a
   * stale-epoch failure is handed over without waiting `leadershipPollingTimeMs` (a paused agent is
   * still restarted only after `healthCheckPollingTimeMs`). Returns the unsubscribe function.
   */
  onAgentFailed?(listener: (shard: ShardName) => void): () => void;
  /** Stops everything and frees resources. Idempotent. */
  dispose(): Promise<void>;
}
