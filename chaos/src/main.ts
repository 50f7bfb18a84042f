/**
 * The chaos suite: N node processes over M shards on the machine's PostgreSQL for T seconds with
 * random faults (SIGKILL + restart, SIGSTOP/SIGCONT, pause + server-side termination, lock-session
 * termination, TCP cuts and stalls through a per-node proxy). Every agent appends a fenced ledger
 * row every few ms; at the end the invariants are checked FROM THE DATABASE. Exit 1 if one fails.
 */
import { randomUUID } from 'node:crypto';
import { createPgAdmin, postgresTestUrl, redactUrl, startTcpProxy } from '@polecat/test-utils';
import { analyzeLedger, type LedgerRow, type RefusalRow } from './analyze';
import { appPrefix, type ChaosNodeConfig } from './config';
import { FAULT_KINDS, injectFault, pickFault, type FaultKind } from './faults';
import { NodeHandle } from './node-handle';
import { parseOptions, seededRandom } from './options';
import { printTable, writeVitestReport, type Invariant } from './report';

const options = parseOptions(process.argv.slice(2));
const started = Date.now();
const url = postgresTestUrl();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const random = seededRandom(options.seed);
const hardLimitMs = (options.seconds + 60) * 1000;
const watchdog = setTimeout(() => {
  console.error(`chaos: did not finish within ${hardLimitMs / 1000} s; aborting`);
  process.exit(1);
}, hardLimitMs);
watchdog.unref();

const admin = await createPgAdmin(url).catch((error: unknown) => {
  const message = `chaos: PostgreSQL unreachable at ${redactUrl(url)} (${error instanceof Error ? error.message : String(error)})`;
  if (process.env.CI && process.env.CI !== 'false') {
    console.error(`${message}; it is required in CI`);
    process.exit(1);
  }
  console.log(`${message}; skipping (CI=true makes this a failure)`);
  process.exit(0);
});

const runId = randomUUID().replace(/-/g, '').slice(0, 10);
const ledgerTable = `chaos_ledger_${runId}`;
const refusalTable = `chaos_refused_${runId}`;
const epochTable = `chaos_epochs_${runId}`;
const daemonLockId = 100_000 + Math.floor(random() * 1_500_000_000);
await admin.query(`CREATE TABLE ${ledgerTable} (id bigserial PRIMARY KEY, shard text NOT NULL, node text NOT NULL, pid int NOT NULL, epoch bigint NOT NULL, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
await admin.query(`CREATE TABLE ${refusalTable} (id bigserial PRIMARY KEY, shard text NOT NULL, node text NOT NULL, pid int NOT NULL, epoch bigint NOT NULL, current_epoch bigint, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
await admin.query(`CREATE TABLE ${epochTable} (lock_key text PRIMARY KEY, epoch bigint NOT NULL CHECK (epoch > 0), updated_at timestamptz NOT NULL DEFAULT now())`);

const target = new URL(url);
console.log(
  `chaos run ${runId}: ${options.nodes} nodes, ${options.shards} shards, ${options.seconds} s of faults (every ~${options.faultEveryMs} ms), writes every ${options.writeMs} ms, seed ${options.seed}, ${redactUrl(url)}`,
);
const nodes: NodeHandle[] = [];
for (let i = 1; i <= options.nodes; i += 1) {
  const proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
  const config: ChaosNodeConfig = {
    node: `n${i}`,
    runId,
    url: proxy.rewriteUrl(url),
    shards: options.shards,
    daemonLockId,
    epochTable,
    ledgerTable,
    refusalTable,
    writeIntervalMs: options.writeMs,
  };
  nodes.push(new NodeHandle(config.node, proxy, config, options.verbose));
}
for (const node of nodes) node.start();
await sleep(3000); // let the nodes start (tsx) and take the shards

const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
const faultFrom = Date.now();
const faultUntil = faultFrom + options.seconds * 1000;
const pending = new Set<Promise<void>>();
while (Date.now() < faultUntil) {
  await sleep(Math.round(options.faultEveryMs * (0.5 + random())));
  const candidates = nodes.filter((node) => !node.busy && node.alive);
  // keep at least one node untouched at any moment so progress stays possible
  if (candidates.length <= 1 || nodes.filter((node) => node.busy).length >= nodes.length - 1) continue;
  const node = candidates[Math.floor(random() * candidates.length)]!;
  const kind = pickFault(random, options.only);
  faults[kind] += 1;
  const done = injectFault(kind, node, admin, runId, random).catch((error: unknown) => console.error(`fault ${kind} on ${node.name} failed:`, error));
  pending.add(done);
  void done.finally(() => pending.delete(done));
}
await Promise.all(pending);
for (const node of nodes) {
  node.proxy.resume();
  if (node.paused) node.signal('SIGCONT');
  if (!node.alive) node.start();
}
const settleMs = 6000;
const finalWindowStart = Date.now() + settleMs - 1500;
await sleep(settleMs); // every shard must have an owner again and write
const measuredUntil = Date.now();
// Snapshot for diagnostics (printed only when an invariant fails): who holds locks, who runs agents.
const heldLocks = await admin.query<{ application_name: string; locks: string }>(
  `SELECT a.application_name, count(*) AS locks FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted AND left(a.application_name, length($1)) = $1 GROUP BY 1 ORDER BY 1`,
  [appPrefix(runId)],
);
const nodeSnapshot = nodes.map(
  (node) => `${node.name}: ${node.alive ? 'alive' : 'dead'}${node.paused ? ' paused' : ''}, ${node.owned} agents running; ${node.detail}; stderr: ${node.stderrTail() || '-'}`,
);
const sessions = await admin.query<{ application_name: string; state: string | null; sessions: string }>(
  `SELECT application_name, state, count(*) AS sessions FROM pg_stat_activity WHERE left(application_name, length($1)) = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
  [appPrefix(runId)],
);
await Promise.all(nodes.map((node) => node.stop()));

let remaining = await admin.countConnectionsWithPrefix(appPrefix(runId));
for (let i = 0; i < 100 && remaining > 0; i += 1) {
  await sleep(50);
  remaining = await admin.countConnectionsWithPrefix(appPrefix(runId));
}

await Promise.all(nodes.map((node) => node.proxy.close()));

const ledger = await admin.query<{ id: string; shard: string; node: string; pid: number; epoch: string; at: number }>(
  `SELECT id, shard, node, pid, epoch, extract(epoch from written_at) * 1000 AS at FROM ${ledgerTable} ORDER BY id`,
);
const rows: LedgerRow[] = ledger.rows.map((row) => ({ id: Number(row.id), shard: row.shard, node: row.node, pid: row.pid, epoch: Number(row.epoch), at: Number(row.at) }));
const refusedRows = await admin.query<{ shard: string; epoch: string; current_epoch: string | null }>(`SELECT shard, epoch, current_epoch FROM ${refusalTable}`);
const refusals: RefusalRow[] = refusedRows.rows.map((row) => ({ shard: row.shard, epoch: Number(row.epoch), currentEpoch: row.current_epoch === null ? null : Number(row.current_epoch) }));
const grantsInDb = await admin.query<{ grants: string }>(`SELECT coalesce(sum(epoch), 0) AS grants FROM ${epochTable}`);
const shardIdentities = Array.from({ length: options.shards }, (_, i) => `C${String(i).padStart(3, '0')}:All`);
const analysis = analyzeLedger(rows, refusals, { shards: shardIdentities, from: faultFrom, to: measuredUntil, gapThresholdMs: Math.max(500, options.writeMs * 6), finalWindowStart });
if (!options.keep) await admin.query(`DROP TABLE IF EXISTS ${ledgerTable}, ${refusalTable}, ${epochTable}`);
await admin.close();

const reported = nodes.reduce((sum, node) => sum + node.totals().refused, 0);
const unexpected = nodes.flatMap((node) => node.unexpectedExits);
const invariants: Invariant[] = [
  { title: 'no two accepted writes of one shard from different epochs interleave', ok: analysis.interleavings === 0, detail: `${analysis.interleavings} rows carry an epoch older than one accepted before them` },
  { title: 'each epoch is written by one process only (one grant, one owner)', ok: analysis.sharedEpochs === 0, detail: `${analysis.sharedEpochs} (shard, epoch) pairs written by two processes` },
  { title: 'every refused write was genuinely stale (a newer epoch existed)', ok: analysis.wrongRefusals === 0, detail: `${analysis.wrongRefusals} refusals of a current epoch` },
  { title: 'every shard has an owner again after the faults stop', ok: analysis.shardsWithoutOwnerAtEnd === 0, detail: `${analysis.shardsWithoutOwnerAtEnd} shards did not write in the final window` },
  { title: 'no node process crashed (only the exits the run caused)', ok: unexpected.length === 0, detail: unexpected.join('\n') },
  { title: 'no leaked sessions on the server after the nodes stop', ok: remaining === 0, detail: `${remaining} sessions named ${appPrefix(runId)}* still open` },
  { title: 'the run wrote a ledger', ok: analysis.writes > 0, detail: 'no ledger rows at all' },
];

const fault = (kind: FaultKind): [string, number] => [`  ${kind}`, faults[kind]];
printTable(`chaos run ${runId} (seed ${options.seed}) — ${((Date.now() - started) / 1000).toFixed(1)} s in all`, [
  ['faults injected', FAULT_KINDS.reduce((sum, kind) => sum + faults[kind], 0)],
  ...FAULT_KINDS.map(fault),
  ['  database restart', 'skipped (shared server)'],
  ['node incarnations', nodes.reduce((sum, node) => sum + node.incarnations, 0)],
  ['grants (epochs handed out)', grantsInDb.rows[0]!.grants],
  ['ownership changes (epoch changes between writes)', analysis.ownershipChanges],
  ['accepted ledger writes', analysis.writes],
  ['refused stale writes (database)', analysis.refusals],
  ['refused stale writes (reported by nodes)', reported],
  ['overlaps (interleaved epochs)', analysis.interleavings],
  ['epochs shared by two processes', analysis.sharedEpochs],
  ['orphan time, all shards (s)', (analysis.orphanMs / 1000).toFixed(1)],
  ['orphan time per shard, mean (s)', (analysis.orphanMs / 1000 / options.shards).toFixed(2)],
  ['worst gap (s)', `${(analysis.worstGap.ms / 1000).toFixed(2)} (${analysis.worstGap.shard})`],
  ['write errors (connection faults, retried)', nodes.reduce((sum, node) => sum + node.totals().errors, 0)],
]);
console.log('');
for (const invariant of invariants) console.log(`${invariant.ok ? 'PASS' : 'FAIL'} ${invariant.title}${invariant.ok ? '' : `: ${invariant.detail}`}`);
if (!invariants.every((invariant) => invariant.ok)) {
  console.log('\ndiagnostics at the end of the settle period:');
  for (const line of nodeSnapshot) console.log(`  ${line}`);
  for (const row of heldLocks.rows) console.log(`  advisory locks held by ${row.application_name}: ${row.locks}`);
  for (const row of sessions.rows) console.log(`  sessions ${row.application_name} (${row.state ?? '?'}): ${row.sessions}`);
  for (const [shard, last] of analysis.lastWrites) {
    if (last === undefined || last.at < finalWindowStart) {
      console.log(`  ${shard}: last write ${last === undefined ? 'never' : `${((measuredUntil - last.at) / 1000).toFixed(2)} s before the end by ${last.node} epoch ${last.epoch}`}`);
    }
  }
}
if (process.env.POLECAT_TEST_RESULTS) console.log(`report: ${writeVitestReport(process.env.POLECAT_TEST_RESULTS, invariants, Date.now() - started)}`);
process.exit(invariants.every((invariant) => invariant.ok) ? 0 : 1);
