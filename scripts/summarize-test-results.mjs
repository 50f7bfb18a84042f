// Sums the vitest JSON reports (and the examples/chaos reports, same shape) written to the
// results folder and prints ONE plain line: "N passed, N failed, N skipped".
// A failed CI step that produced no report (lint, typecheck, build...) counts as one failure.
// A report that should exist and does not (a suite that never ran) counts as one failure:
// expected are, for every workspace package whose `test` script runs vitest, one report per Node
// major in POLECAT_EXPECT_NODE_MAJORS, plus POLECAT_EXPECT_REPORTS (space-separated file names).
// Exits non-zero when anything failed or when no test ran at all.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [dir, failedStepsArg = '0'] = process.argv.slice(2);
const root = resolve(import.meta.dirname, '..');
const majors = (process.env.POLECAT_EXPECT_NODE_MAJORS ?? '').split(/\s+/).filter(Boolean);
const expected = (process.env.POLECAT_EXPECT_REPORTS ?? '').split(/\s+/).filter(Boolean);
for (const folder of ['packages', '.']) {
  for (const entry of readdirSync(join(root, folder))) {
    const manifest = join(root, folder, entry, 'package.json');
    if (folder === '.' && entry === 'packages') continue;
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    if (!/\bvitest\b/.test(pkg.scripts?.test ?? '')) continue;
    for (const major of majors) expected.push(`${pkg.name.replace(/[^a-z0-9-]+/gi, '_')}-node${major}.json`);
  }
}
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
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
  // name every failure here, next to the totals: a CI log is often read from its end only
  for (const suite of report.testResults ?? []) {
    const where = String(suite.name ?? '').replace(root + '/', '');
    const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
    if (suite.status === 'failed' && failedTests.length === 0) {
      failures.push(`${file}: ${where}: ${firstLine(suite.message) || 'the suite failed before its tests ran'}`);
    }
    for (const test of failedTests) {
      failures.push(`${file}: ${where} > ${test.fullName ?? test.title}: ${firstLine(test.failureMessages?.[0])}`);
    }
  }
}
for (const line of failures) console.log(`FAILED ${line}`);
function firstLine(text) {
  // strip ANSI colours; keep it to one short line
  const plain = String(text ?? '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .trim();
  const line = plain.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}
const missing = expected.filter((name) => !files.includes(name));
for (const name of missing) console.log(`missing report (that suite did not run): ${name}`);
failed += missing.length;
const failedSteps = Number(failedStepsArg);
// A step that failed without its own report still fails the run; count it once if nothing else did.
if (failedSteps > 0 && failed === 0) failed = failedSteps;
console.log(`${files.length} reports read`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
