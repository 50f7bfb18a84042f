import type { CoordinatorHealth } from './coordinator-health';
import type { DaemonMode } from './daemon-mode';
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
