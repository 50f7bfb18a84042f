import type { CoordinatorSettingsInput, ProjectionDaemon } from '@polecat/coordinator';
import { shardName, type ProjectionDistributor } from '@polecat/distributors';
import type { Clock } from '@polecat/app-lock';
import { planFaults, type Fault } from './fault-plan';
import type { SimLockServer } from './lock-server';
import { DEFAULT_LINK } from './network';
import type { OwnershipLedger, Violation } from './ownership-ledger';
import { seededRandom, type Random } from './prng';
import type { Scheduler } from './scheduler';
import { allOwned, checkSettled, isBalanced } from './settled-checks';
import { SimNode, type DistributorParts, type SimWorld } from './sim-node';
import { createWorld } from './sim-world';

/** A settled cluster must stay settled this long before a run ends ahead of its bound. */
const STABLE_MS = 10_000;

/** What one simulated run looks like. */
export interface RunOptions {
  readonly seed: number;
  /** Nodes; default: 2 to 5, drawn from the seed. */
  readonly nodes?: number;
  /** Shards; default: 4 to 24, drawn from the seed. */
  readonly shards?: number;
  /** Faults; default: 0 to 6, drawn from the seed. */
  readonly faults?: number;
  /** Faults happen in [5 s, this); default 30 000 ms. */
  readonly faultWindowMs?: number;
  /** The bound: every shard owned this long after the last fault ended. Default 30 000 ms. */
  readonly settleMs?: number;
  /** Collect a readable timeline. */
  readonly trace?: boolean;
  readonly settings?: CoordinatorSettingsInput;
  /** Re-introduces defects (tests). */
  readonly wrapDaemon?: (daemon: ProjectionDaemon, clock: Clock) => ProjectionDaemon;
  readonly distributorFor?: (parts: DistributorParts) => ProjectionDistributor;
}

/** What one run found. */
export interface RunResult {
  readonly seed: number;
  readonly nodes: number;
  readonly shards: number;
  readonly faults: readonly Fault[];
  readonly violations: readonly Violation[];
  readonly steps: number;
  readonly virtualMs: number;
  /** Agent starts on another node than the shard's previous one. */
  readonly moves: number;
  readonly fencedOverlaps: number;
  /** ms from the end of the last fault until every shard ran once again (undefined: never). */
  readonly convergeMs: number | undefined;
  readonly lockRequests: number;
  readonly trace: readonly string[];
}

/** Runs one seeded schedule of the real coordinator on the simulated cluster. */
export async function runSeed(options: RunOptions): Promise<RunResult> {
  const random = seededRandom(options.seed);
  const nodeCount = options.nodes ?? random.int(2, 5);
  const shardCount = options.shards ?? random.int(4, 24);
  const faultCount = options.faults ?? random.int(0, 6);
  const faultWindowMs = options.faultWindowMs ?? 30_000;
  const settleMs = options.settleMs ?? 30_000;
  const faults = planFaults(random, nodeCount, faultCount, 5000, faultWindowMs);

  const trace: string[] = [];
  const shards = Array.from({ length: shardCount }, (_, i) => shardName(`P${i}`));
  const world = createWorld(random, ({ scheduler }) => ({
    shards,
    databases: [{ id: 'main' }],
    settings: options.settings ?? {},
    drainMs: () => drawDrain(random),
    trace: options.trace === true ? (line) => trace.push(`${(scheduler.elapsed / 1000).toFixed(3).padStart(8)}s ${line}`) : () => undefined,
    ...(options.wrapDaemon === undefined ? {} : { wrapDaemon: options.wrapDaemon }),
    ...(options.distributorFor === undefined ? {} : { distributorFor: options.distributorFor }),
  }));
  const { scheduler, server, ledger } = world;

  const generations = new Map<string, number>();
  const current = new Map<string, SimNode>();
  let shuttingDown = false;
  const launch = (name: string): void => {
    if (shuttingDown) return; // a restart planned after a slow graceful stop comes too late
    const generation = (generations.get(name) ?? 0) + 1;
    generations.set(name, generation);
    const node = new SimNode(world, name, generation);
    current.set(name, node);
    node.start();
  };
  for (let i = 1; i <= nodeCount; i++) scheduler.schedule('chaos', random.int(0, 2000), () => launch(`n${i}`));

  let lastFaultEnd = 5000;
  for (const fault of faults) {
    lastFaultEnd = Math.max(lastFaultEnd, fault.atMs + fault.durationMs);
    scheduler.schedule('chaos', fault.atMs, () => inject(fault, world, current, launch));
  }

  const settledAt = scheduler.now + lastFaultEnd;
  let convergedAt: number | undefined;
  const shardIds = shards.map((shard) => `main/${shard.identity}`);
  let nextBalanceCheck = 0;
  // Ends at the bound, or earlier once every shard has run once, balanced, for STABLE_MS.
  await scheduler.runUntil(settledAt + settleMs, () => {
    if (scheduler.now < settledAt) return false;
    const running = [...current.values()].filter((node) => node.life === 'running' && !node.cutOff);
    const live = new Set(running.map((node) => node.instance));
    if (!allOwned(ledger, shardIds, live)) {
      convergedAt = undefined;
      return false;
    }
    convergedAt ??= scheduler.now;
    if (scheduler.now - convergedAt < STABLE_MS || scheduler.now < nextBalanceCheck) return false;
    nextBalanceCheck = scheduler.now + 1000;
    return isBalanced(running);
  });
  checkSettled(ledger, server, [...current.values()], shardIds);
  const steps = scheduler.steps;
  const virtualMs = scheduler.elapsed;
  shuttingDown = true;
  await shutDown([...current.values()], scheduler, server, ledger);
  return {
    seed: options.seed,
    nodes: nodeCount,
    shards: shardCount,
    faults,
    violations: ledger.violations,
    steps,
    virtualMs,
    moves: ledger.moves,
    fencedOverlaps: ledger.fencedOverlaps,
    convergeMs: convergedAt === undefined ? undefined : convergedAt - settledAt,
    lockRequests: server.requestCount(),
    trace,
  };
}

/** Graceful stop of every running node; afterwards no lock may stay held. */
async function shutDown(nodes: readonly SimNode[], scheduler: Scheduler, server: SimLockServer, ledger: OwnershipLedger): Promise<void> {
  const stopping = nodes.filter((node) => node.life === 'running');
  for (const node of stopping) void node.stop();
  await scheduler.runUntil(scheduler.now + 60_000, () => stopping.every((node) => node.life === 'stopped') && server.openSessions === 0);
  for (const [key, session] of server.heldLocks()) ledger.report('dead-session-lock', `lock ${key} still held by ${session.node} after every node stopped`);
}

/** Most agents return at once; some take a while; a few outlast the drain timeout. */
function drawDrain(random: Random): number {
  const roll = random.next();
  if (roll < 0.7) return random.int(0, 20);
  if (roll < 0.95) return random.int(20, 1000);
  return random.int(1000, 8000);
}

function inject(fault: Fault, world: SimWorld, current: Map<string, SimNode>, launch: (name: string) => void): void {
  const { scheduler, server } = world;
  const node = current.get(fault.node);
  const running = node !== undefined && node.life === 'running';
  world.trace(`FAULT ${fault.kind} ${fault.node} for ${fault.durationMs} ms`);
  const later = (fire: () => void): void => {
    scheduler.schedule('chaos', fault.durationMs, fire);
  };
  switch (fault.kind) {
    case 'server-restart':
      server.restart(fault.durationMs);
      return;
    case 'crash-process':
    case 'crash-machine':
      if (!running) return;
      node.crash(fault.kind === 'crash-process' ? 'process' : 'machine');
      later(() => launch(fault.node));
      return;
    case 'stop':
      if (!running) return;
      void node.stop().then(() => later(() => launch(fault.node)));
      return;
    case 'freeze':
      if (!running || node.cutOff) return;
      node.freeze();
      later(() => node.thaw());
      return;
    case 'partition':
      if (!running || node.cutOff) return;
      node.partition();
      later(() => node.heal());
      return;
    case 'session-kill':
      if (node !== undefined) server.endSessionsOf(node.instance);
      return;
    case 'slow-link':
      if (node === undefined) return;
      server.network.setModel(node.instance, { latencyMs: 20, jitterMs: 80, lossRate: 0.05 });
      later(() => server.network.setModel(node.instance, DEFAULT_LINK));
      return;
  }
}
