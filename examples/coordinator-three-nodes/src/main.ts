import { ProjectionCoordinator, createFunctionDaemonFactory, type AgentContext } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { connectionStringForm } from '@polecat/app-lock';
import { exampleArgs } from './example-args';
import { inMemoryBackend, postgresBackend, type LockBackend } from './lock-backend';
import { OwnershipTable } from './ownership-table';

const SHARDS = Array.from({ length: 12 }, (_, i) => shardName(`Proj${String(i + 1).padStart(2, '0')}`));
const NODES = ['node-1', 'node-2', 'node-3'] as const;
const POLL_MS = 500; // faster than the original's 5 s so takeover is quick; each cycle is one round trip
const watchdog = setTimeout(() => {
  console.error('example did not finish within 30 s');
  process.exit(1);
}, 30_000);
watchdog.unref();

// `-- --pg` (the machine's PostgreSQL), `-- --pg <url>`, `-- --url <PostgreSQL connection string>`, or POLECAT_PG_URL
const args = exampleArgs('start [-- --pg [url] | --url <PostgreSQL connection string>]');
const pgUrl = [args.url, args.pg, process.env.POLECAT_PG_URL].find((value): value is string => typeof value === 'string' && value !== '');
if (pgUrl !== undefined && !['postgres-url', 'postgres-keywords'].includes(connectionStringForm(pgUrl) ?? '')) {
  console.error('this example needs a PostgreSQL connection string (postgres://... or host=... dbname=...): it ends node sessions with pg_terminate_backend');
  process.exit(1);
}
const runId = Math.random().toString(36).slice(2, 8);
const backend: LockBackend = pgUrl ? await postgresBackend(pgUrl, runId) : inMemoryBackend();
// a random lock-id base so runs on a shared PostgreSQL never collide with other users
const daemonLockId = pgUrl ? 100_000 + Math.floor(Math.random() * 1_000_000) : 4444;

/** Who runs each shard right now, and overlaps seen (two nodes running one shard: must stay 0). */
const runningOn = new Map<string, string>();
let overlaps = 0;

function agentFor(node: string) {
  return async ({ signal, shard }: AgentContext): Promise<void> => {
    const other = runningOn.get(shard.identity);
    if (other !== undefined && other !== node) overlaps++;
    runningOn.set(shard.identity, node);
    try {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      if (runningOn.get(shard.identity) === node) runningOn.delete(shard.identity);
    }
  };
}

const nodes = NODES.map((node) => {
  const coordinator = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor: new SingleTenantProjectionDistributor({
      databases: [{ id: 'main', schema: 'public' }],
      shards: SHARDS,
      daemonLockId,
      createLock: () => backend.createLock(node),
    }),
    daemonFor: createFunctionDaemonFactory(() => agentFor(node)),
    // releaseLocksOnPause: false lets pause() stand in for a frozen process in this demo
    settings: { leadershipPollingTimeMs: POLL_MS, daemonLockId, releaseLocksOnPause: false },
  });
  return { node, coordinator };
});

const table = new OwnershipTable(process.stdout.isTTY === true);
const identities = SHARDS.map((shard) => shard.identity);
const draw = (title: string) => table.draw(title, identities, (shard) => runningOn.get(shard));
const waitFor = async (condition: () => boolean, title: string, timeoutMs = 10_000): Promise<number> => {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out: ${title}`);
    draw(title);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  draw(title);
  return performance.now() - started;
};
const allRunning = (except?: string) => identities.every((id) => runningOn.has(id) && runningOn.get(id) !== except);

console.log(`3 nodes, ${SHARDS.length} shards, ${backend.name}, polling ${POLL_MS} ms\n`);
await Promise.all(nodes.map(({ coordinator }) => coordinator.start()));
await waitFor(() => allRunning(), 'starting: every shard gets exactly one owner');
table.release();

const counts = new Map<string, number>();
for (const owner of runningOn.values()) counts.set(owner, (counts.get(owner) ?? 0) + 1);
const victim = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
const victimNode = nodes.find(({ node }) => node === victim)!;
console.log(`\n(no balancing: the first node up takes every free shard)`);
console.log(`killing ${victim} (owns ${counts.get(victim)} shards): it freezes without releasing, then the server drops its lock session\n`);

await victimNode.coordinator.pause(); // halts its loop and agents but keeps its locks, like a dead process
const killedAt = performance.now();
await backend.killSession(victim);
const takeoverMs = await waitFor(() => allRunning(victim), `after killing ${victim}: survivors take over`);
table.release();
console.log(
  `\ntakeover: every shard of ${victim} runs elsewhere ${Math.round(performance.now() - killedAt)} ms after the kill (wait loop: ${Math.round(takeoverMs)} ms)`,
);

await Promise.all(nodes.map(({ coordinator }) => coordinator.stop()));
await backend.close();
console.log(`stopped all nodes; agents still running: ${runningOn.size}; overlaps (two owners of one shard): ${overlaps}`);
if (overlaps > 0 || runningOn.size > 0) process.exitCode = 1;
