/**
 * Emmett projections across three node processes. An Emmett event store on PostgreSQL gets a
 * steady stream of `LegDriven` events while three nodes run two projections (trip totals, driver
 * stats) with @polecat/emmett. The owner of one projection is SIGKILLed, later another node is
 * stopped (SIGTERM). At the end the read models must equal, row for row, a single-process
 * replay of the same events by plain Emmett: every event applied exactly once by each projection.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { getPostgreSQLEventStore, postgreSQLEventStoreConsumer } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { driverStats, schemaUrl, tripTotals, type LegDriven } from './projections';

const url = process.env.POLECAT_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';
const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
const watchdog = setTimeout(() => {
  console.error('example did not finish within 90 s');
  process.exit(1);
}, 90_000);
watchdog.unref();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const run = Math.random().toString(36).slice(2, 8);
const schema = `emmett_example_${run}`;
const admin = new pg.Client({ connectionString: url, application_name: `emmett-example-${run}-admin`, connectionTimeoutMillis: 3000 });
admin.on('error', () => {});
try {
  await admin.connect();
} catch (error) {
  console.log(`PostgreSQL unreachable (${error instanceof Error ? error.message : String(error)}); ${ci ? 'required in CI' : 'skipping the example'}`);
  process.exit(ci ? 1 : 0);
}
await admin.query(`CREATE SCHEMA ${schema}`);
await admin.query(`SET search_path = ${schema}, public`);
const store = getPostgreSQLEventStore(schemaUrl(url, schema, `emmett-example-${run}-store`), { schema: { autoMigration: 'None' } });
await store.schema.migrate();

interface Node {
  readonly id: string;
  readonly child: ChildProcess;
  readonly owned: Set<string>;
  readonly starts: { shard: string; at: number }[];
  readonly exited: Promise<number | null>;
}
const nodes: Node[] = [];
function startNode(id: string): Promise<Node> {
  const nodeUrl = schemaUrl(url, schema, `emmett-example-${run}-${id}`);
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./node.ts', import.meta.url)), JSON.stringify({ url: nodeUrl, id })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const node: Node = { id, child, owned: new Set(), starts: [], exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  nodes.push(node);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`node ${id} exited early (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      const line = JSON.parse(text) as { type: string; shard?: string; at: number };
      if (line.type === 'ready') resolve(node);
      if (line.type === 'started' && line.shard) {
        node.owned.add(line.shard);
        node.starts.push({ shard: line.shard, at: line.at });
      }
      if (line.type === 'stopped' && line.shard) node.owned.delete(line.shard);
    });
  });
}
const alive = (): Node[] => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
const ownerOf = (shard: string): Node | undefined => alive().find((node) => node.owned.has(shard));
/** The node running `shard` now (waits out a balancing hand-over). */
async function currentOwner(shard: string): Promise<Node> {
  for (;;) {
    const owner = ownerOf(shard);
    if (owner) return owner;
    await sleep(10);
  }
}
async function startedElsewhere(shard: string, not: Node, since: number): Promise<{ node: Node; ms: number }> {
  for (;;) {
    for (const node of alive()) {
      const start = node !== not ? node.starts.find((s) => s.shard === shard && s.at >= since) : undefined;
      if (start) return { node, ms: start.at - since };
    }
    await sleep(10);
  }
}

let equal: boolean;
try {
  await Promise.all(['n1', 'n2', 'n3'].map(startNode));
  while (!ownerOf('trip_totals') || !ownerOf('driver_stats')) await sleep(20);

  let appending = true;
  let appended = 0;
  const drivers = ['ada', 'bo', 'cy', 'dee', 'eli'];
  const appender = (async () => {
    while (appending) {
      const trip = `trip-${appended % 40}`;
      const event: LegDriven = { type: 'LegDriven', data: { trip, driver: drivers[appended % drivers.length]!, km: 1 + (appended % 17) } };
      await store.appendToStream(trip, [event]);
      appended++;
      await sleep(4);
    }
  })();

  await sleep(1000);
  console.log(`3 nodes, events arriving: trip_totals on ${(await currentOwner('trip_totals')).id}, driver_stats on ${(await currentOwner('driver_stats')).id}`);
  const victim = await currentOwner('trip_totals');
  const killedAt = Date.now();
  victim.child.kill('SIGKILL');
  const afterKill = await startedElsewhere('trip_totals', victim, killedAt);
  console.log(`SIGKILL ${victim.id} (owned trip_totals): ${afterKill.node.id} took it over after ${afterKill.ms} ms (leadershipPollingTimeMs 500 ms)`);

  await sleep(1000);
  const leaving = await currentOwner('driver_stats');
  const stoppedAt = Date.now();
  leaving.child.kill('SIGTERM');
  const afterStop = await startedElsewhere('driver_stats', leaving, stoppedAt);
  console.log(`SIGTERM ${leaving.id} (owned driver_stats): exited ${await leaving.exited}, ${afterStop.node.id} took it over after ${afterStop.ms} ms`);

  await sleep(1000);
  appending = false;
  await appender;
  const { rows } = await admin.query<{ max: string; count: string }>('SELECT max(global_position)::text AS max, count(*)::text AS count FROM emt_messages');
  const last = rows[0]!.max;
  console.log(`appended ${appended} events (${rows[0]!.count} in emt_messages) while nodes died and left`);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const progress = await admin.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM emt_processors WHERE processor_id IN ('emt:processor:projector:trip_totals', 'emt:processor:projector:driver_stats') AND last_processed_checkpoint::bigint = $1::bigint",
      [last],
    );
    if (progress.rows[0]!.n === '2') break;
    if (Date.now() > deadline) throw new Error('the projections did not catch up within 30 s');
    await sleep(50);
  }

  // The reference: one plain Emmett consumer replays every event into copies of the read models.
  const replay = postgreSQLEventStoreConsumer({ connectionString: schemaUrl(url, schema, `emmett-example-${run}-replay`), stopWhen: { noMessagesLeft: true } });
  replay.projector({ projection: tripTotals('replay_trip_totals', 'replay_trip_totals') });
  replay.projector({ projection: driverStats('replay_driver_stats', 'replay_driver_stats') });
  await replay.start();
  await replay.close();

  const checks: boolean[] = [];
  for (const [table, key] of [
    ['trip_totals', 'trip'],
    ['driver_stats', 'driver'],
  ] as const) {
    const diff = await admin.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ((TABLE ${table} EXCEPT TABLE replay_${table}) UNION ALL (TABLE replay_${table} EXCEPT TABLE ${table})) d`,
    );
    const sum = await admin.query<{ rows: string; km: string; legs: string }>(
      `SELECT count(*)::text AS rows, sum(km)::text AS km, sum(legs)::text AS legs FROM ${table}`,
    );
    const same = diff.rows[0]!.n === '0' && sum.rows[0]!.legs === String(appended);
    checks.push(same);
    console.log(
      `${table.padEnd(12)} rows=${sum.rows[0]!.rows} km=${sum.rows[0]!.km} legs=${sum.rows[0]!.legs} (events ${appended}), rows differing from the replay by ${key}: ${diff.rows[0]!.n} -> ${same ? 'OK' : 'MISMATCH'}`,
    );
  }
  equal = checks.every(Boolean);
  console.log(equal ? 'read models equal a single-process replay: every event applied exactly once by each projection' : 'MISMATCH');
} finally {
  await Promise.all(alive().map((node) => (node.child.kill('SIGTERM'), node.exited)));
  await store.close().catch(() => undefined);
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await admin.end().catch(() => undefined);
}
process.exit(equal ? 0 : 1);
