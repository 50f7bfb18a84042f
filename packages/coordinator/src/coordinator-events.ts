import type { LockLostError } from '@polecat/app-lock';
import type { LockRoundTripEvent, ProjectionDatabase, ProjectionSet, ShardName } from '@polecat/distributors';
import type { WithholdReason } from './ownership-intents';
import type { TakeoverCause } from './takeover-cause';

/** Why an agent is (re)started. */
export type StartKind = 'start' | 'restart-paused' | 'restart-stopped';

/** Why this node stops running a set's agents without releasing (it does not hold the lock). */
export type StopReason = 'not-held' | 'vanished';

/** Why this node stops a held set's agents and then releases its lock. */
export type HandOverReason = 'agent-stopped' | 'agents-failing' | 'balance' | 'vanished' | 'stale-epoch' | WithholdReason;

/** Why agents were stopped on this node. */
export type AgentStopReason = StopReason | HandOverReason | 'lock-lost' | 'start-failed' | 'pause' | 'stop' | 'stalled';

/** Typed events of a `ProjectionCoordinator` (subscribe with `coordinator.on(name, listener)`). */
export interface CoordinatorEvents {
  /** This node now owns `set` (granted, or found held). */
  lockAcquired: { readonly set: ProjectionSet; readonly epoch?: bigint };
  /** `set`'s lock was lost (connection died, verification failed); its agents were aborted at once. */
  lockLost: { readonly set: ProjectionSet; readonly error: LockLostError };
  /** This node released `set` on purpose (hand-over, pause, stop); `reason` when known. */
  lockReleased: { readonly set: ProjectionSet; readonly reason?: AgentStopReason };
  /** An agent was started (or restarted: see `kind`). */
  agentStarted: { readonly shard: ShardName; readonly database: ProjectionDatabase; readonly kind: StartKind; readonly epoch?: bigint };
  /** An agent stopped by the coordinator has returned (only then is its set's lock released). */
  agentStopped: { readonly shard: ShardName; readonly database: ProjectionDatabase; readonly reason: AgentStopReason };
  /**
   * Agents of `set` were aborted `stopDrainTimeoutMs` ago and have not returned: the set's lock stays
   * held (`lockHeld`; or, when it was lost, the set is not started here) until they do. Sent once
   * per drain; a warning is logged at most once per `stopDrainTimeoutMs` while they still run.
   */
  drainOverrun: {
    readonly set: ProjectionSet;
    readonly shards: readonly ShardName[];
    readonly reason: AgentStopReason;
    /** Clock ms when the agents were aborted. */
    readonly since: number;
    readonly lockHeld: boolean;
  };
  /**
   * An agent failed (once per failure, with `agentPaused`): its consecutive `failures` on this node
   * since `since` (clock ms), the delay before its restart here (`healthCheckPollingTimeMs` doubled
   * per failure, capped at `startFailureBackoff.maxMs`), and whether its set is now handed to
   * another node (`agentFailuresBeforeHandOver` reached).
   */
  agentFailed: {
    readonly shard: ShardName;
    readonly database: ProjectionDatabase;
    readonly error: unknown;
    readonly failures: number;
    readonly since: number;
    readonly retryInMs: number;
    readonly handOver: boolean;
  };
  /** An agent was found paused (failed); it is restarted after `healthCheckPollingTimeMs` (growing with consecutive failures, see `agentFailed`). */
  agentPaused: { readonly shard: ShardName; readonly database: ProjectionDatabase; readonly error: unknown; readonly pausedAt: number };
  /** One cycle finished. */
  cycle: { readonly durationMs: number; readonly owned: number; readonly attempted: number; readonly granted: number; readonly sleepMs: number };
  /**
   * This node took over `set` after its first cycle (not a start-up grant): see {@link TakeoverCause}.
   * `unownedMs` (cause `regained`): time from this node's loss of the set to owning it again.
   * `reason` (cause `released`): why the releasing node let go, from its release notice
   * (`stopped`, `drained`, `paused`, `balanced`, `agents-failing`, ...), when it said.
   * Sent once per takeover, by the node that took the set only.
   */
  takeover: { readonly set: ProjectionSet; readonly cause: TakeoverCause; readonly unownedMs?: number; readonly reason?: string };
  /** One lock round trip to one database (batched attempt or membership probe), with its duration and failure. */
  lockRoundTrip: LockRoundTripEvent;
  /**
   * A database's lock round trips failed (unreachable, refused): emitted once per retry step (the
   * steps back off), with the typed cause. The loop keeps retrying.
   */
  databaseUnreachable: { readonly databaseId: string; readonly error: unknown; readonly since: number; readonly failures: number; readonly retryInMs: number };
  /** A database that was unreachable answered again. */
  databaseReachable: { readonly databaseId: string; readonly unreachableForMs: number };
  /** A running agent reported no progress (`context.progress()`) for `stallTimeoutMs`. */
  agentStalled: {
    readonly shard: ShardName;
    readonly database: ProjectionDatabase;
    readonly lastProgressAt: number;
    readonly stalledForMs: number;
    readonly position?: unknown;
  };
  /** A stalled agent made progress again, or stopped (`stopped: true`). */
  agentStallEnded: { readonly shard: ShardName; readonly database: ProjectionDatabase; readonly stalledForMs: number; readonly stopped: boolean };
  /**
   * This node's member watcher saw a member of `databaseId` leave (the waiting request on its
   * predecessor's member slot was granted: that node died, lost its session or released its slot).
   * The loop runs a cycle at once.
   */
  memberLeft: { readonly databaseId: string };
  /** Something failed and will be retried (the loop goes on). */
  error: { readonly error: unknown; readonly set?: ProjectionSet };
}

/** Names of {@link CoordinatorEvents}. */
export type CoordinatorEventName = keyof CoordinatorEvents;
