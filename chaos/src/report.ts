import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One invariant of the run and whether it held. */
export interface Invariant {
  readonly title: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Prints `rows` as a two-column table. */
export function printTable(title: string, rows: readonly (readonly [string, string | number])[]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n${title}`);
  console.log(`${'-'.repeat(width + 16)}`);
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${String(value)}`);
}

/**
 * Writes a vitest-shaped JSON report (one assertion per invariant) into `dir` for `.ci/run`:
 * `chaos-node<major>.json`, or `chaos-<variant>-node<major>.json` for a variant (e.g. `lock-home`).
 */
export function writeVitestReport(dir: string, invariants: readonly Invariant[], durationMs: number, variant?: string): string {
  const failed = invariants.filter((invariant) => !invariant.ok).length;
  const report = {
    numPassedTests: invariants.length - failed,
    numFailedTests: failed,
    numPendingTests: 0,
    testResults: [
      {
        name: variant === undefined ? 'chaos' : `chaos (${variant})`,
        status: failed ? 'failed' : 'passed',
        assertionResults: invariants.map((invariant) => ({
          title: invariant.title,
          status: invariant.ok ? 'passed' : 'failed',
          duration: durationMs,
          failureMessages: invariant.ok ? [] : [invariant.detail],
        })),
      },
    ],
  };
  const file = join(dir, `chaos-${variant === undefined ? '' : `${variant}-`}node${process.versions.node.split('.')[0]}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  return file;
}
