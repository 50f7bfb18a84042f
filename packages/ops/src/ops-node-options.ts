import type { Clock, ConsoleLike, Logger } from '@polecat/app-lock';
import { OpsError } from './ops-error';

/** What every node's link to the ops tables takes (`PostgresOpsNode`, `SqlServerOpsNode`). */
export interface OpsNodeOptions {
  /** This node's id (1 to 48 characters of `A-Z a-z 0-9 . _ : @ -`); stable across restarts so a drain survives them. */
  readonly nodeId: string;
  /** Default `os.hostname()`. */
  readonly host?: string;
  /** Default `process.pid`. */
  readonly pid?: number;
  /** Your application's version, shown by `polecat status`. Default `'unknown'`. */
  readonly version?: string;
  /** Create the ops tables on first use (safe to race). `false` expects the migration to have run. Default `true`. */
  readonly createSchema?: boolean;
  /** Intents are re-read at most this often (PostgreSQL: a NOTIFY re-reads at once). Default 1000 ms. */
  readonly refreshMs?: number;
  /** At most one registry write per this many ms (>= 1000). Default 10 000 ms. */
  readonly registryIntervalMs?: number;
  readonly logger?: Logger | ConsoleLike;
  readonly clock?: Clock;
}

/** The checked `refreshMs` and `registryIntervalMs` of `options`, defaults applied. Throws `INVALID_ARGUMENT`. */
export function opsNodeIntervals(options: OpsNodeOptions): { readonly refreshMs: number; readonly registryIntervalMs: number } {
  return {
    refreshMs: atLeast('refreshMs', options.refreshMs ?? 1000, 0),
    registryIntervalMs: atLeast('registryIntervalMs', options.registryIntervalMs ?? 10_000, 1000),
  };
}

function atLeast(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) throw new OpsError('INVALID_ARGUMENT', `${name} must be a number >= ${min}, got ${String(value)}`);
  return value;
}
