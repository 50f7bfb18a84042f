import { VIOLATION_KINDS, type Violation, type ViolationKind } from './ownership-ledger';
import type { RunResult } from './run-seed';

/** What a sweep keeps of one run (small enough to send between threads). */
export interface SeedSummary {
  readonly seed: number;
  readonly steps: number;
  readonly moves: number;
  readonly fencedOverlaps: number;
  readonly convergeMs: number | undefined;
  readonly lockRequests: number;
  readonly virtualMs: number;
  readonly faults: readonly string[];
  readonly violations: readonly Violation[];
}

/** Keeps what the summary table needs. */
export function summarise(result: RunResult): SeedSummary {
  return {
    seed: result.seed,
    steps: result.steps,
    moves: result.moves,
    fencedOverlaps: result.fencedOverlaps,
    convergeMs: result.convergeMs,
    lockRequests: result.lockRequests,
    virtualMs: result.virtualMs,
    faults: result.faults.map((fault) => `${fault.kind}@${(fault.atMs / 1000).toFixed(1)}s:${fault.node}`),
    violations: result.violations,
  };
}

/** The rows of the summary table of a sweep. */
export function summaryRows(summaries: readonly SeedSummary[], wallMs: number): Record<string, string | number>[] {
  const failing = summaries.filter((summary) => summary.violations.length > 0);
  const byKind = new Map<ViolationKind, number>(VIOLATION_KINDS.map((kind) => [kind, 0]));
  for (const summary of summaries) for (const violation of summary.violations) byKind.set(violation.kind, (byKind.get(violation.kind) ?? 0) + 1);
  const converge = summaries.map((summary) => summary.convergeMs ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const steps = summaries.reduce((sum, summary) => sum + summary.steps, 0);
  const virtualMs = summaries.reduce((sum, summary) => sum + summary.virtualMs, 0);
  const rows: Record<string, string | number>[] = [
    { measure: 'seeds', value: summaries.length },
    { measure: 'failing seeds', value: failing.length },
    ...[...byKind].map(([kind, count]) => ({ measure: `violations: ${kind}`, value: count })),
    { measure: 'fenced overlaps (cut-off owner, lower epoch)', value: summaries.reduce((sum, summary) => sum + summary.fencedOverlaps, 0) },
    { measure: 'moves per seed (mean)', value: (summaries.reduce((sum, summary) => sum + summary.moves, 0) / Math.max(1, summaries.length)).toFixed(1) },
    { measure: 'converge after last fault p50 (ms)', value: formatMs(percentile(converge, 0.5)) },
    { measure: 'converge after last fault p99 (ms)', value: formatMs(percentile(converge, 0.99)) },
    { measure: 'converge after last fault max (ms)', value: formatMs(converge.at(-1)) },
    { measure: 'simulated steps', value: steps },
    { measure: 'virtual time simulated (s)', value: Math.round(virtualMs / 1000) },
    { measure: 'wall time (s)', value: (wallMs / 1000).toFixed(1) },
    { measure: 'seeds/s', value: (summaries.length / (wallMs / 1000)).toFixed(1) },
  ];
  return rows;
}

function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return Number.isFinite(ms) ? ms.toFixed(0) : 'never';
}
