// The Polecat demo: several nodes (coordinators, in this process) share a dozen shards through
// database application locks. A live table shows who owns what; midway one node is killed (its
// lock session ends as if the process died) and the others take its shards over; the takeover
// time is shown. In-memory lock by default; --pg uses the machine's PostgreSQL; --url <connection
// string> uses a given PostgreSQL or SQL Server.
import { setTimeout as sleep } from 'node:timers/promises';
import { createProjectionCoordinator, type AgentFunction, type ProjectionCoordinator } from '@polecat/polecat';
import { MACHINE_POSTGRES, describeFailure, memoryBackend, urlBackend, type DemoBackend } from './backends';
import { announce, render, type View } from './render';

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
/** One clear line and exit 1: no stack trace for a wrong flag or an unusable database. */
function fail(message: string): never {
  console.error(`demo: ${message}`);
  process.exit(1);
}
const known = new Set(['--pg', '--url', '--nodes', '--seconds']);
for (const [i, arg] of args.entries()) {
  if (arg.startsWith('--') && !known.has(arg)) fail(`unknown option ${arg} (use --pg, --url <connection string>, --nodes <2-6>, --seconds <n>)`);
  if (['--url', '--nodes', '--seconds'].includes(arg) && (args[i + 1] === undefined || args[i + 1]!.startsWith('--'))) fail(`${arg} needs a value`);
}
const NODE_COUNT = Math.min(6, Math.max(2, Number(flag('--nodes') ?? 4)));
const SHARDS = ['Orders', 'Invoices', 'Payments', 'Shipments', 'Returns', 'Stock', 'Prices', 'Customers', 'Reviews', 'Emails', 'Audit', 'Reports'];
const POLL_MS = 500;
const KILL_AT_MS = 6_000;
const RUN_MS = Number(flag('--seconds') ?? 12) * 1000;
const url = args.includes('--pg') ? MACHINE_POSTGRES : flag('--url');

const backend: DemoBackend = url === undefined ? memoryBackend() : await urlBackend(url).catch((error: unknown) => fail(describeFailure(error)));
const startedAt = Date.now();
const elapsed = (): number => Date.now() - startedAt;
const events: string[] = [];
const event = (text: string): void => {
  const line = `${(elapsed() / 1000).toFixed(1).padStart(5)}s  ${text}`;
  events.push(line);
  announce(line);
};

interface DemoNode {
  readonly name: string;
  readonly coordinator: ProjectionCoordinator;
  state: 'running' | 'killed' | 'stopped';
}
const ticks = new Map(SHARDS.map((shard) => [shard, 0]));
const runningOn = new Map<string, { readonly node: string; readonly signal: AbortSignal }>();
let overlaps = 0;
const daemonLockId = 100_000 + Math.floor(Math.random() * 1_000_000_000); // fresh lock ids per run

function agentsFor(node: string): Record<string, AgentFunction> {
  return Object.fromEntries(
    SHARDS.map((shard): [string, AgentFunction] => [
      shard,
      async ({ signal }) => {
        // An overlap is two nodes running one shard while NEITHER has been told to stop.
        const other = runningOn.get(shard);
        if (other !== undefined && other.node !== node && !other.signal.aborted) overlaps++;
        const mine = { node, signal };
        runningOn.set(shard, mine);
        try {
          while (!signal.aborted) {
            ticks.set(shard, (ticks.get(shard) ?? 0) + 1);
            await sleep(100, undefined, { signal }).catch(() => {});
          }
        } finally {
          if (runningOn.get(shard) === mine) runningOn.delete(shard);
        }
      },
    ]),
  );
}

const nodes: DemoNode[] = [];
function view(): View {
  const owners = new Map<string, string>();
  for (const node of nodes) {
    if (node.state !== 'running') continue;
    for (const set of node.coordinator.status().owned) for (const shard of set.shards) owners.set(shard.split(':')[0]!, node.name);
  }
  return {
    title: `Polecat demo · ${NODE_COUNT} nodes · ${SHARDS.length} shards · ${backend.label} · poll ${POLL_MS} ms`,
    elapsedMs: elapsed(),
    shards: SHARDS.map((name) => ({ name, ticks: ticks.get(name) ?? 0, ...(owners.has(name) ? { owner: owners.get(name)! } : {}) })),
    nodes: nodes.map((node) => ({ name: node.name, state: node.state, owned: node.state === 'running' ? node.coordinator.status().owned.length : 0 })),
    events,
  };
}
// A shard with no owner before the kill is a gap the library should not have: measure the longest.
const unownedSince = new Map<string, number>();
let longestGapMs = 0;
let gapShard = '';
let watchingGaps = false; // from once every node started until the kill
const timer = setInterval(() => {
  const current = view();
  render(current);
  if (!watchingGaps) return;
  const now = Date.now();
  for (const shard of current.shards) {
    if (shard.owner !== undefined) {
      unownedSince.delete(shard.name);
      continue;
    }
    const since = unownedSince.get(shard.name) ?? now;
    unownedSince.set(shard.name, since);
    if (now - since > longestGapMs) [longestGapMs, gapShard] = [now - since, shard.name];
  }
}, 100);

// Even load comes from the library: in HotCold mode the coordinator's default policy is fair
// share (each node holds at most ceil(shards / live nodes), counted through member-slot locks, and
// hands extras over gracefully: agents stopped, then locks released). Watch the first node give
// shards away as the others start.
for (let i = 1; i <= NODE_COUNT; i++) {
  const name = `node-${i}`;
  const coordinator = createProjectionCoordinator('HotCold', {
    shards: agentsFor(name),
    createLock: backend.createLock(name),
    // releaseLocksOnPause: false lets the demo freeze a node with its locks before killing its session
    settings: { leadershipPollingTimeMs: POLL_MS, daemonLockId, stopDrainTimeoutMs: 2_000, releaseLocksOnPause: false },
  });
  nodes.push({ name, coordinator, state: 'running' });
  await coordinator.start();
  event(`${name} started`);
  await new Promise((resolve) => setTimeout(resolve, 700));
}

watchingGaps = true;

// Midway: kill the node owning the most shards and time the takeover.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, KILL_AT_MS - elapsed())));
watchingGaps = false;
const victim = nodes.reduce((a, b) => (b.coordinator.status().owned.length > a.coordinator.status().owned.length ? b : a));
const orphans = new Set(victim.coordinator.status().owned.flatMap((set) => set.shards.map((shard) => shard.split(':')[0]!)));
// A dead process runs no loop: freeze it (locks kept) ... The table keeps showing it as the owner
// until the kill itself (marking it killed before the freeze showed its shards unowned for the
// seconds the freeze took, before any kill).
await victim.coordinator.pause();
const killedAt = Date.now();
const how = await backend.kill(victim.name); // ... then end its lock session as a crash would
victim.state = 'killed';
if (how.includes('graceful')) await victim.coordinator.stop();
event(`${victim.name} killed (${how}); it owned ${[...orphans].join(', ')}`);
const moved: string[] = [];
const takeover = new Promise<number>((resolve) => {
  for (const node of nodes) {
    if (node === victim) continue;
    node.coordinator.on('agentStarted', ({ shard }) => {
      if (!orphans.delete(shard.name)) return;
      moved.push(`${shard.name}→${node.name}`);
      if (orphans.size === 0) resolve(Date.now() - killedAt);
    });
  }
});
const takeoverMs = await Promise.race([takeover, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 10_000))]);
event(
  takeoverMs === undefined
    ? `takeover INCOMPLETE after 10 s: ${[...orphans].join(', ')} unowned`
    : `takeover complete in ${takeoverMs} ms: ${moved.join(', ')}`,
);

await new Promise((resolve) => setTimeout(resolve, Math.max(0, RUN_MS - elapsed())));
clearInterval(timer);
render(view(), true);
// the table cuts lines to the terminal's width: the whole hand-over, once, below it
if (process.stdout.isTTY === true && moved.length > 0) console.log(`moved: ${moved.join(', ')}`);
const stopStarted = Date.now();
await Promise.all(nodes.map((node) => node.coordinator.stop()));
for (const node of nodes) if (node.state === 'running') node.state = 'stopped';
console.log(`all nodes stopped and their locks released in ${Date.now() - stopStarted} ms; shards that ran on two nodes at once: ${overlaps}`);
console.log(
  `longest a shard had no owner before the kill (hand-overs while nodes joined): ${longestGapMs === 0 ? 'never unowned' : `${longestGapMs} ms (${gapShard})`}`,
);
await backend.close();
const ok = takeoverMs !== undefined && overlaps === 0;
console.log(ok ? `\nOK: takeover in ${takeoverMs} ms, no shard ran twice.` : '\nFAILED: see the events above.');
process.exit(ok ? 0 : 1);
