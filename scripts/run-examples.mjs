// Runs every example's `start` script (examples/*/package.json) with a time bound and records
// one pass/fail per example. Each must do its work and exit 0. With POLECAT_TEST_RESULTS set,
// writes a report in vitest's JSON shape so .ci/run counts examples with the tests.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const timeoutMs = Number(process.env.POLECAT_EXAMPLE_TIMEOUT_MS ?? 120_000);
const only = process.argv.slice(2);
const examples = readdirSync(join(root, 'examples'))
  .map((dir) => join(root, 'examples', dir, 'package.json'))
  .filter((file) => existsSync(file))
  .map((file) => JSON.parse(readFileSync(file, 'utf8')))
  .filter((pkg) => pkg.scripts?.start && (only.length === 0 || only.some((o) => pkg.name.includes(o))));

function run(name) {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn('pnpm', ['--filter', name, 'start'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[run-examples] ${name} exceeded ${timeoutMs} ms; killed`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ name, ok: code === 0, code, signal, ms: Date.now() - started, output });
    });
  });
}

const results = [];
for (const pkg of examples) {
  const result = await run(pkg.name);
  results.push(result);
  const tail = result.output.trim().split('\n').slice(-12).join('\n');
  console.log(`${result.ok ? 'PASS' : 'FAIL'} ${pkg.name} (${result.ms} ms${result.ok ? '' : `, exit ${result.code ?? result.signal}`})`);
  if (!result.ok || process.env.POLECAT_EXAMPLES_VERBOSE) console.log(tail.replace(/^/gm, '    '));
}
const failed = results.filter((r) => !r.ok).length;
if (process.env.POLECAT_TEST_RESULTS) {
  const report = {
    numPassedTests: results.length - failed,
    numFailedTests: failed,
    numPendingTests: 0,
    testResults: [
      {
        name: 'examples',
        status: failed ? 'failed' : 'passed',
        assertionResults: results.map((r) => ({ title: r.name, status: r.ok ? 'passed' : 'failed', duration: r.ms })),
      },
    ],
  };
  writeFileSync(join(process.env.POLECAT_TEST_RESULTS, `examples-node${process.versions.node.split('.')[0]}.json`), JSON.stringify(report, null, 2));
}
console.log(`${results.length - failed} examples passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
