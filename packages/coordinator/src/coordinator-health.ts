import type { CoordinatorState } from './coordinator-status';

/** Overall health: `healthy`, `degraded` (working, but look at the reasons), `unhealthy` (not doing its work). */
export const HEALTH_STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;
/** One of {@link HEALTH_STATUSES}. */
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Codes of {@link HealthReason}. */
export const HEALTH_REASON_CODES = [
  /** The coordinator is not running (idle, paused, stopping, stopped): unhealthy, but alive. */
  'NOT_RUNNING',
  /** The loop has not finished a cycle for far longer than it planned to sleep: unhealthy and NOT alive (liveness fails). */
  'LOOP_NOT_CYCLING',
  /** A database's lock round trips fail: unhealthy when every database is unreachable, else degraded. */
  'DATABASE_UNREACHABLE',
  /** A database refused the lock connection in a way no retry fixes (authentication, missing database, refused pooler): unhealthy. */
  'DATABASE_REFUSED',
  /** Building the distribution fails (e.g. a `databases` function that throws): unhealthy. */
  'DISTRIBUTION_FAILING',
  /** The distribution is empty (no database, no shard): nothing can run anywhere; degraded. */
  'NOTHING_TO_OWN',
  /** An operator drains this node (it gives its sets away and takes none): degraded. */
  'NODE_DRAINING',
  /** Agents keep failing here (`count` in a row, `error` the last): unhealthy when every agent started here is failing, else degraded. */
  'AGENTS_FAILING',
  /** Agents made no progress for `stallTimeoutMs`: degraded. */
  'AGENTS_STALLED',
  /** Agents ignored their abort past the drain timeout and still run (their locks stay held): degraded. */
  'AGENTS_DRAINING',
  /** This node lost locks {@link LOCKS_LOST_REPEATEDLY_COUNT} times or more within {@link LOCKS_LOST_WINDOW_MS}: degraded. */
  'LOCKS_LOST_REPEATEDLY',
] as const;
/** One of {@link HEALTH_REASON_CODES}. */
export type HealthReasonCode = (typeof HEALTH_REASON_CODES)[number];

/** Lock losses within {@link LOCKS_LOST_WINDOW_MS} that make a node `degraded`. */
export const LOCKS_LOST_REPEATEDLY_COUNT = 3;
/** Window for {@link LOCKS_LOST_REPEATEDLY_COUNT}: 5 minutes. */
export const LOCKS_LOST_WINDOW_MS = 300_000;

/** Why a coordinator is not `healthy`. */
export interface HealthReason {
  readonly code: HealthReasonCode;
  /** `degraded` or `unhealthy`: what this reason alone makes the coordinator. */
  readonly status: Exclude<HealthStatus, 'healthy'>;
  /** One sentence for operators. */
  readonly message: string;
  /** Clock ms since when this holds, when known. */
  readonly since?: number;
  /** `DATABASE_UNREACHABLE`: the database. */
  readonly databaseId?: string;
  /** `DATABASE_UNREACHABLE`, `DATABASE_REFUSED`: the typed failure; `AGENTS_FAILING`: the last agent error (a `CoordinatorError` `DATABASE_UNREACHABLE` whose `cause` is the driver's error). */
  readonly error?: unknown;
  /** `AGENTS_STALLED`, `AGENTS_DRAINING`, `AGENTS_FAILING`: the shards (identities, prefixed with the database id). */
  readonly shards?: readonly string[];
  /** `LOCKS_LOST_REPEATEDLY`: losses within the window; `AGENTS_FAILING`: the most consecutive failures of one agent. */
  readonly count?: number;
}

/**
 * The health of one coordinator (`coordinator.health()`, also `status().health`): feed it to any
 * probe. `alive` is the liveness answer (false only when the loop is wedged: restart the
 * process); `ready` the readiness answer (`status !== 'unhealthy'`).
 */
export interface CoordinatorHealth {
  readonly status: HealthStatus;
  readonly alive: boolean;
  readonly ready: boolean;
  readonly state: CoordinatorState;
  /** Empty when healthy. */
  readonly reasons: readonly HealthReason[];
  /** Clock ms of this evaluation. */
  readonly checkedAt: number;
}

/** Builds a {@link CoordinatorHealth} from its reasons: the worst reason decides. */
export function healthFrom(state: CoordinatorState, reasons: readonly HealthReason[], checkedAt: number): CoordinatorHealth {
  const status: HealthStatus = reasons.some((reason) => reason.status === 'unhealthy') ? 'unhealthy' : reasons.length > 0 ? 'degraded' : 'healthy';
  return {
    status,
    alive: !reasons.some((reason) => reason.code === 'LOOP_NOT_CYCLING'),
    ready: status !== 'unhealthy',
    state,
    reasons,
    checkedAt,
  };
}
