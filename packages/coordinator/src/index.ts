export { ProjectionCoordinator } from './projection-coordinator';
export type { ProjectionCoordinatorOptions } from './projection-coordinator-options';
export { DAEMON_MODES, isDaemonMode, type DaemonMode } from './daemon-mode';
export {
  DEFAULT_COORDINATOR_SETTINGS,
  DEPRECATED_DURATION_NAMES,
  resolveCoordinatorSettings,
  type CoordinatorSettings,
  type CoordinatorSettingsInput,
  type DeprecatedDurationSettings,
  STALL_ACTIONS,
  type StallAction,
} from './coordinator-settings';
export { DEFAULT_BACKOFF_POLICY, type BackoffPolicy } from './backoff';
export { COORDINATOR_ERROR_CODES, CoordinatorError, type CoordinatorErrorCode, type CoordinatorErrorOptions } from './coordinator-error';
export type { CoordinatorEvents, CoordinatorEventName, AgentStopReason, StartKind, StopReason, HandOverReason } from './coordinator-events';
export {
  COORDINATOR_STATES,
  type CoordinatorState,
  type CoordinatorStatus,
  type OwnedSetStatus,
  type AgentStatusEntry,
  type StalledAgentStatus,
  type DrainingSetStatus,
  type StopResult,
} from './coordinator-status';
export type { EpochSource } from './epoch-source';
export {
  NO_OWNERSHIP_INTENTS,
  type OwnershipIntents,
  type OwnershipIntentSource,
  type OwnershipIntentReadContext,
  type WithholdReason,
} from './ownership-intents';
export {
  HEALTH_STATUSES,
  HEALTH_REASON_CODES,
  LOCKS_LOST_REPEATEDLY_COUNT,
  LOCKS_LOST_WINDOW_MS,
  healthFrom,
  type CoordinatorHealth,
  type HealthReason,
  type HealthReasonCode,
  type HealthStatus,
} from './coordinator-health';
export { TAKEOVER_CAUSES, type TakeoverCause } from './takeover-cause';
export {
  greedyOwnershipPolicy,
  shareLimitPolicy,
  type OwnershipPolicy,
  type OwnershipContext,
  type OwnershipDecision,
  type ClusterView,
} from './ownership-policy';
export { FAIR_SHARE_SCOPES, fairShareOwnershipPolicy, type FairShareOptions, type FairShareScope } from './fair-share-ownership-policy';
export { AGENT_STATUSES, type AgentStatus, type AgentState, type AgentStartContext, type ProjectionDaemon } from './projection-daemon';
export {
  FunctionAgentDaemon,
  createFunctionDaemonFactory,
  type AgentContext,
  type AgentFunction,
  type AgentFunctions,
  type FunctionAgentDaemonOptions,
} from './function-agent-daemon';
export type { WaitOptions } from './internal/status-waiters';
