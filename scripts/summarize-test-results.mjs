// Sums the vitest JSON reports (and the examples/chaos reports, same shape) written to the
// results folder and prints ONE plain line: "N passed, N failed, N skipped".
// A failed CI step that produced no report (lint, typecheck, build...) counts as one failure.
// Exits non-zero when anything failed or when no test ran at all.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, failedStepsArg = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const filePassed = report.numPassedTests ?? 0;
  const fileFailed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTests ?? 0);
  // a suite that crashed before its tests ran reports failed test files, not failed tests
  const failedSuites = report.testResults?.filter((r) => r.status === 'failed' && (r.assertionResults?.length ?? 0) === 0).length ?? 0;
  passed += filePassed;
  failed += fileFailed + failedSuites;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
const failedSteps = Number(failedStepsArg);
// A step that failed without its own report still fails the run; count it once if nothing else did.
if (failedSteps > 0 && failed === 0) failed = failedSteps;
console.log(`${files.length} reports read`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
