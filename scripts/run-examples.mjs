// Runs every example's `start` script (examples/*/package.json) with a time bound and records
// one pass/fail per example. Each must do its work and exit 0. An example with a `start:pg` script
// (its PostgreSQL path, at POLECAT_TEST_PG or postgres://postgres@127.0.0.1:5432/test) is run again
// as a separate entry "<name> (pg)"; without a reachable PostgreSQL those entries are skipped with
// one line, except in CI (CI=true), where they fail. With POLECAT_TEST_RESULTS set, writes a report
// in vitest's JSON shape so .ci/run counts examples with the tests.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const timeoutMs = Number(process.env.POLECAT_EXAMPLE_TIMEOUT_MS ?? 120_000);
const only = process.argv.slice(2);
const examples = readdirSync(join(root, 'examples'))
  .map((dir) => join(root, 'examples', dir, 'package.json'))
  .filter((file) => existsSync(file))
  .map((file) => JSON.parse(readFileSync(file, 'utf8')))
  .filter((pkg) => pkg.scripts?.start && (only.length === 0 || only.some((o) => pkg.name.includes(o))));

const pgUrl = process.env.POLECAT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';
const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

/** Whether PostgreSQL's port at `url` accepts a TCP connection within 3 s. */
function postgresReachable(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolvePromise) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 5432) });
    const done = (ok) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(3000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function run(name, script = 'start') {
  const label = script === 'start:pg' ? `${name} (pg)` : name;
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn('pnpm', ['--filter', name, 'run', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => {
      output += `\n[run-examples] ${label} exceeded ${timeoutMs} ms; killed`;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {}
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ name: label, ok: code === 0, code, signal, ms: Date.now() - started, output });
    });
  });
}

const runs = examples.flatMap((pkg) => [[pkg.name, 'start'], ...(pkg.scripts['start:pg'] ? [[pkg.name, 'start:pg']] : [])]);
const pgAvailable = runs.some(([, script]) => script === 'start:pg') ? await postgresReachable(pgUrl) : false;
const results = [];
let skipped = 0;
for (const [name, script] of runs) {
  if (script === 'start:pg' && !pgAvailable) {
    if (!ci) {
      skipped++;
      results.push({ name: `${name} (pg)`, ok: true, skipped: true, code: null, signal: null, ms: 0, output: '' });
      console.log(`SKIP ${name} (pg): no PostgreSQL at ${new URL(pgUrl).host} (set POLECAT_TEST_PG); in CI this fails`);
      continue;
    }
    results.push({ name: `${name} (pg)`, ok: false, code: null, signal: null, ms: 0, output: `no PostgreSQL at ${new URL(pgUrl).host} (CI requires it)` });
    console.log(`FAIL ${name} (pg): no PostgreSQL at ${new URL(pgUrl).host} (CI requires it)`);
    continue;
  }
  const result = await run(name, script);
  results.push(result);
  const tail = result.output.trim().split('\n').slice(-12).join('\n');
  console.log(`${result.ok ? 'PASS' : 'FAIL'} ${result.name} (${result.ms} ms${result.ok ? '' : `, exit ${result.code ?? result.signal}`})`);
  if (!result.ok || process.env.POLECAT_EXAMPLES_VERBOSE) console.log(tail.replace(/^/gm, '    '));
}
const failed = results.filter((r) => !r.ok).length;
const passed = results.length - failed - skipped;
if (process.env.POLECAT_TEST_RESULTS) {
  const report = {
    numPassedTests: passed,
    numFailedTests: failed,
    numPendingTests: skipped,
    testResults: [
      {
        name: 'examples',
        status: failed ? 'failed' : 'passed',
        assertionResults: results.map((r) => ({ title: r.name, status: r.skipped ? 'pending' : r.ok ? 'passed' : 'failed', duration: r.ms })),
      },
    ],
  };
  writeFileSync(join(process.env.POLECAT_TEST_RESULTS, `examples-node${process.versions.node.split('.')[0]}.json`), JSON.stringify(report, null, 2));
}
console.log(`${passed} examples passed, ${failed} failed${skipped ? `, ${skipped} skipped (no PostgreSQL)` : ''}`);
process.exit(failed ? 1 : 0);
