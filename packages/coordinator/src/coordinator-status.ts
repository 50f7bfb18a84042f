import type { CoordinatorHealth } from './coordinator-health';
import type { DaemonMode } from './daemon-mode';
import type { AgentStopReason } from './coordinator-events';
import type { AgentStatus } from './projection-daemon';

/** Lifecycle states of a coordinator. */
export const COORDINATOR_STATES = ['idle', 'running', 'paused', 'stopping', 'stopped'] as const;
/** One of {@link COORDINATOR_STATES}. */
export type CoordinatorState = (typeof COORDINATOR_STATES)[number];

/** One agent in a {@link CoordinatorStatus}. `NotStarted`: the set is owned but the agent is not running yet. */
export interface AgentStatusEntry {
  readonly shard: string;
  readonly status: AgentStatus | 'NotStarted';
  readonly pausedAt?: number;
  readonly error?: unknown;
}

/** One owned set in a {@link CoordinatorStatus}. */
export interface OwnedSetStatus {
  readonly key: string;
  readonly lockId: number;
  readonly databaseId: string;
  readonly shards: readonly string[];
  /** Clock ms when this node took it. */
  readonly since: number;
  readonly epoch?: bigint;
  readonly agents: readonly AgentStatusEntry[];
}

/**
 * A set whose agents were aborted on this node and have not all returned yet. While it is listed
 * this node never starts the set again, and (`lockHeld`) keeps its lock: ownership ends only when
 * every agent of the set has returned.
 */
export interface DrainingSetStatus {
  readonly key: string;
  readonly lockId: number;
  readonly databaseId: string;
  /** Why its agents were stopped (hand-over, lock lost, pause, stop, ...). */
  readonly reason: AgentStopReason;
  /** Clock ms when its agents were aborted. */
  readonly since: number;
  /** Identities of the agents that have not returned yet. */
  readonly shards: readonly string[];
  /** The lock is still held here and is released once they have returned (false: it was lost, or is kept). */
  readonly lockHeld: boolean;
  /** True once they overran `stopDrainTimeoutMs` (the `drainOverrun` event was sent). */
  readonly overrun: boolean;
}

/** A snapshot of what one coordinator (node) owns and runs. */
export interface CoordinatorStatus {
  readonly mode: DaemonMode;
  readonly state: CoordinatorState;
  readonly owned: readonly OwnedSetStatus[];
  /** Completed cycles since construction. */
  readonly cycles: number;
  readonly lastError?: unknown;
  /** Sets waiting out a start-failure backoff: key -> clock ms of the next try. */
  readonly backingOff: Readonly<Record<string, number>>;
  /** The same as `coordinator.health()`: healthy / degraded / unhealthy with typed reasons (e.g. an unreachable database, since when). */
  readonly health: CoordinatorHealth;
  /** Agents without progress for `stallTimeoutMs` (empty when stall detection is off). */
  readonly stalled: readonly StalledAgentStatus[];
  /** Sets whose aborted agents have not all returned yet (see {@link DrainingSetStatus}). */
  readonly draining: readonly DrainingSetStatus[];
}

/** One stalled agent in {@link CoordinatorStatus.stalled}. */
export interface StalledAgentStatus {
  readonly shard: string;
  readonly databaseId: string;
  /** Clock ms of its last `progress()` (or its start). */
  readonly lastProgressAt: number;
  readonly stalledForMs: number;
  /** The last position it reported, if any. */
  readonly position?: unknown;
}

/**
 * What `ProjectionCoordinator.stop()` resolves with (plain data: `JSON.stringify` shows it all).
 * `stop()` aborts every agent and waits up to `stopDrainTimeoutMs` for them BEFORE it releases
 * anything; a set whose agents all returned is released. When agents are still running at the
 * deadline, `drained` is `false`, `draining` names their sets, and their locks stay held (the
 * connections stay open) until they return, at which point the remaining locks are released and
 * the connections closed (`coordinator.whenSettled()` resolves), or until the process ends (the
 * server then frees the locks).
 */
export interface StopResult {
  /** Every agent returned within `stopDrainTimeoutMs`; every lock was released and every connection closed. */
  readonly drained: boolean;
  /** Sets whose agents were still running at the deadline (empty when `drained`). */
  readonly draining: readonly DrainingSetStatus[];
}
