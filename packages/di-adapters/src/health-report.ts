import type { CoordinatorHealth, HealthStatus } from '@polecat/coordinator';
import { DEFAULT_STORE } from './coordinator-options';

/** Anything with a `health()` (a `ProjectionCoordinator`, or a test double). */
export interface HealthSource {
  health(): CoordinatorHealth;
}

/**
 * Coordinators to report on: a map by store name (as NestJS and registrations name them), or a list:
 * one coordinator is named `default` (the default store, as in NestJS), several `0`, `1`, ...
 */
export type HealthSources = readonly HealthSource[] | ReadonlyMap<string, HealthSource>;

/** One reason in a {@link HealthReport}: JSON-safe (an error becomes `{ name, code, message }`, no stack). */
export interface HealthReportReason {
  readonly code: string;
  readonly status: Exclude<HealthStatus, 'healthy'>;
  readonly message: string;
  readonly since?: string;
  readonly databaseId?: string;
  readonly shards?: readonly string[];
  readonly count?: number;
  readonly error?: {
    readonly name: string;
    readonly code?: string;
    readonly message: string;
    readonly cause?: { readonly name: string; readonly code?: string; readonly message: string };
  };
}

/** The combined health of several coordinators, JSON-safe (the body of `/healthz` and `/readyz`). */
export interface HealthReport {
  /** The worst status of all coordinators (`healthy` when there are none). */
  readonly status: HealthStatus;
  /** Liveness: every coordinator's loop is cycling. */
  readonly alive: boolean;
  /** Readiness: no coordinator is `unhealthy`. */
  readonly ready: boolean;
  readonly coordinators: Readonly<Record<string, { readonly status: HealthStatus; readonly state: string; readonly reasons: readonly HealthReportReason[] }>>;
}

const RANK: Readonly<Record<HealthStatus, number>> = { healthy: 0, degraded: 1, unhealthy: 2 };

function describeError(error: unknown): { name: string; code?: string; message: string } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, ...(typeof code === 'string' ? { code } : {}), message: error.message };
}

function entriesOf(sources: HealthSources): [string, HealthSource][] {
  if (!Array.isArray(sources)) return [...(sources as ReadonlyMap<string, HealthSource>).entries()];
  const list = sources as readonly HealthSource[];
  return list.length === 1 ? [[DEFAULT_STORE, list[0]!]] : list.map((source, index) => [String(index), source]);
}

/**
 * Evaluates every coordinator's `health()` and combines them into one JSON-safe report.
 * @example const report = healthReport(new Map([['orders', coordinator]])); // report.ready
 */
export function healthReport(sources: HealthSources): HealthReport {
  let status: HealthStatus = 'healthy';
  let alive = true;
  const coordinators: Record<string, HealthReport['coordinators'][string]> = {};
  for (const [name, source] of entriesOf(sources)) {
    const health = source.health();
    if (RANK[health.status] > RANK[status]) status = health.status;
    alive &&= health.alive;
    coordinators[name] = {
      status: health.status,
      state: health.state,
      reasons: health.reasons.map((reason) => ({
        code: reason.code,
        status: reason.status,
        message: reason.message,
        ...(reason.since === undefined ? {} : { since: new Date(reason.since).toISOString() }),
        ...(reason.databaseId === undefined ? {} : { databaseId: reason.databaseId }),
        ...(reason.shards === undefined ? {} : { shards: reason.shards }),
        ...(reason.count === undefined ? {} : { count: reason.count }),
        ...(reason.error === undefined
          ? {}
          : {
              error: {
                ...describeError(reason.error),
                ...((reason.error as { cause?: unknown }).cause === undefined ? {} : { cause: describeError((reason.error as { cause?: unknown }).cause) }),
              },
            }),
      })),
    };
  }
  return { status, alive, ready: status !== 'unhealthy', coordinators };
}
