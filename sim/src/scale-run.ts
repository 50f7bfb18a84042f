import {
  DEFAULT_MAX_NODES,
  MultiTenantedProjectionDistributor,
  SingleTenantProjectionDistributor,
  shardName,
  type ProjectionDatabase,
} from '@polecat/distributors';
import { seededRandom } from './prng';
import { allOwned } from './settled-checks';
import { SimNode } from './sim-node';
import { createWorld } from './sim-world';

/** A progress line on stderr this often (wall time), for rows that run for minutes. */
const PROGRESS_EVERY_MS = 60_000;

/** A scale scenario: how many nodes, shards (in all) and tenant databases. */
export interface ScaleOptions {
  readonly nodes: number;
  readonly shards: number;
  readonly tenants: number;
  readonly seed?: number;
  /** Give up waiting for convergence after this much virtual time. Default 600 000 ms. */
  readonly limitMs?: number;
  /** Prints the timeline from the crash on (stderr). */
  readonly trace?: boolean;
  /** Gives a row up after this much WALL time (ms; the row then reports what it reached). Default: no limit. */
  readonly wallLimitMs?: number;
  /**
   * `'single-tenant'` (default): one set per shard (SingleTenant, tenants share one lock home);
   * `'multi-tenanted'`: one set per tenant database holding all its shards (MultiTenanted, one lock home).
   */
  readonly layout?: ScaleLayout;
  /** Give up waiting for balance after the start after this much virtual time. Default 120 000 ms. */
  readonly balanceLimitMs?: number;
}

/** How a scale scenario groups its shards into sets (see {@link ScaleOptions.layout}). */
export type ScaleLayout = 'single-tenant' | 'multi-tenanted';

/** Figures of one scale scenario (virtual time). */
export interface ScaleResult {
  readonly nodes: number;
  readonly shards: number;
  readonly tenants: number;
  /** From the first start until every shard ran once (undefined: not within the limit). */
  readonly startConvergeMs: number | undefined;
  /** Sets (lock ids) in the distribution. */
  readonly sets: number;
  /**
   * From the first start until the live nodes' owned set counts are within one of each other (every
   * shard running); undefined: not within `balanceLimitMs`.
   */
  readonly balancedAfterStartMs: number | undefined;
  /** From crashing 10 % of the nodes until every shard ran once again. */
  readonly lossConvergeMs: number | undefined;
  /** Agent moves from the crash until 30 s after convergence (re-balancing included). */
  readonly movesAfterLoss: number;
  /** The fewest moves possible: the shards the crashed nodes ran. */
  readonly minimalMoves: number;
  /** Lock requests per second at the server over 10 s of steady state. */
  readonly steadyRequestsPerSecond: number;
  /** Lock keys those requests carried per second (a probe carries every member slot and unheld set). */
  readonly steadyKeysPerSecond: number;
  /** The same without the periodic verification of held locks, per node (bench row 3b). */
  readonly standbyRequestsPerNodeSecond: number;
  /** Server sessions (connections) at steady state. */
  readonly connections: number;
  readonly wallMs: number;
  /** Process CPU time (user + system) of the row (ms). */
  readonly cpuMs: number;
  readonly steps: number;
  /** Heap in use once converged after the start (MB; after a GC when run with `--expose-gc`). */
  readonly heapMb: number;
  /** Membership probes the server answered over the whole row, and the lock keys they carried (the per-set work of every cycle). */
  readonly probes: number;
  readonly probeKeys: number;
  /** Virtual time the row reached (ms from the first start; less than planned when cut short). */
  readonly virtualMs: number;
  /** Whether the wall limit cut the row short (later figures are then missing or partial). */
  readonly cutShort: boolean;
}

/**
 * Starts `nodes` real coordinators on one simulated lock server (tenants share it through one lock
 * home per node), then crashes 10 % of them; no other fault. Agents return at once.
 */
export async function runScale(options: ScaleOptions): Promise<ScaleResult> {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const layout = options.layout ?? 'single-tenant';
  const limitMs = options.limitMs ?? 600_000;
  const random = seededRandom(options.seed ?? 1);
  let tracing = false;
  let crashedAt = 0;
  const perTenant = Math.max(1, Math.ceil(options.shards / options.tenants));
  const shards = Array.from({ length: perTenant }, (_, i) => shardName(`P${i}`));
  // every node must get a member slot, or the extras count only themselves and balance is off
  const maxNodes = Math.max(DEFAULT_MAX_NODES, options.nodes);
  const databases: ProjectionDatabase[] = Array.from({ length: options.tenants }, (_, i) => ({ id: options.tenants === 1 ? 'main' : `t${i}` }));
  const shardIds = databases.flatMap((database) => shards.map((shard) => `${database.id}/${shard.identity}`));
  const world = createWorld(random, ({ scheduler }) => ({
    shards,
    databases,
    settings: {},
    drainMs: () => 0,
    trace: (line) => {
      if (tracing) console.error(`${((scheduler.now - crashedAt) / 1000).toFixed(3).padStart(8)}s ${line}`);
    },
    distributorFor: (parts) =>
      layout === 'multi-tenanted'
        ? new MultiTenantedProjectionDistributor({ ...parts, maxNodes, lockHost: 'locks', createHomeLock: () => parts.createLock() })
        : options.tenants === 1
          ? new SingleTenantProjectionDistributor({ ...parts, maxNodes })
          : new SingleTenantProjectionDistributor({ ...parts, maxNodes, lockHost: 'locks', createHomeLock: () => parts.createLock() }),
  }));
  const { scheduler, server, ledger } = world;
  const nodes: SimNode[] = [];
  for (let i = 1; i <= options.nodes; i++) {
    scheduler.schedule('chaos', random.int(0, 1000), () => {
      const node = new SimNode(world, `n${i}`, 1);
      nodes.push(node);
      node.start();
    });
  }
  const wallDeadline = options.wallLimitMs === undefined ? Number.POSITIVE_INFINITY : wallStart + options.wallLimitMs;
  let cutShort = false;
  let nextProgress = wallStart + PROGRESS_EVERY_MS;
  const outOfWall = (): boolean => {
    const wallNow = performance.now();
    if (wallNow > nextProgress) {
      nextProgress = wallNow + PROGRESS_EVERY_MS;
      const probes = server.requestCount('probe');
      console.error(`  ... ${((wallNow - wallStart) / 1000).toFixed(0)} s wall: ${(scheduler.elapsed / 1000).toFixed(2)} virtual s, ${probes} probes`);
    }
    cutShort ||= wallNow > wallDeadline;
    return cutShort;
  };
  const run = (ms: number): Promise<void> => scheduler.runUntil(scheduler.now + ms, outOfWall);
  const converge = async (): Promise<number | undefined> => {
    const from = scheduler.now;
    let nextCheck = from;
    let done: number | undefined;
    await scheduler.runUntil(from + limitMs, () => {
      if (outOfWall()) return true;
      if (scheduler.now < nextCheck || ledger.runningShards < shardIds.length) return false;
      nextCheck = scheduler.now + 50;
      const live = new Set(nodes.filter((node) => node.life === 'running').map((node) => node.instance));
      if (!allOwned(ledger, shardIds, live)) return false;
      done = scheduler.now - from;
      return true;
    });
    return done;
  };
  const startConvergeMs = await converge();
  const firstStart = scheduler.now - (startConvergeMs ?? 0);
  const balanceLimitMs = options.balanceLimitMs ?? 120_000;
  let balancedAt: number | undefined;
  let nextBalanceCheck = scheduler.now;
  await scheduler.runUntil(firstStart + balanceLimitMs, () => {
    if (outOfWall()) return true;
    if (scheduler.now < nextBalanceCheck) return false;
    nextBalanceCheck = scheduler.now + 50;
    const live = nodes.filter((node) => node.life === 'running');
    if (live.length < options.nodes) return false;
    if (!allOwned(ledger, shardIds, new Set(live.map((node) => node.instance)))) return false;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const node of live) {
      const owned = node.coordinator.status().owned.length;
      min = Math.min(min, owned);
      max = Math.max(max, owned);
    }
    if (max - min > 1) return false;
    balancedAt = scheduler.now;
    return true;
  });
  (globalThis as { gc?: () => void }).gc?.();
  const heapMb = process.memoryUsage().heapUsed / 1e6;
  await run(20_000);
  const before = server.requestCount();
  const keysBefore = server.keyCount();
  const verifiesBefore = server.requestCount('verify');
  await run(10_000);
  const steadyRequestsPerSecond = (server.requestCount() - before) / 10;
  const steadyKeysPerSecond = (server.keyCount() - keysBefore) / 10;
  const standbyRequestsPerNodeSecond = (steadyRequestsPerSecond - (server.requestCount('verify') - verifiesBefore) / 10) / options.nodes;
  const connections = server.openSessions;
  const movesBefore = ledger.moves;
  tracing = options.trace === true;
  crashedAt = scheduler.now;
  const victims = Math.max(1, Math.round(options.nodes / 10));
  let minimalMoves = 0;
  for (const node of [...nodes].sort((a, b) => b.coordinator.status().owned.length - a.coordinator.status().owned.length).slice(0, victims)) {
    for (const set of node.coordinator.status().owned) minimalMoves += set.shards.length;
    node.crash('process');
  }
  const lossConvergeMs = await converge();
  await run(30_000);
  const result: ScaleResult = {
    nodes: options.nodes,
    shards: shardIds.length,
    tenants: options.tenants,
    sets: layout === 'multi-tenanted' ? options.tenants : shardIds.length,
    startConvergeMs,
    balancedAfterStartMs: balancedAt === undefined ? undefined : balancedAt - firstStart,
    lossConvergeMs,
    movesAfterLoss: ledger.moves - movesBefore,
    minimalMoves,
    steadyRequestsPerSecond,
    steadyKeysPerSecond,
    standbyRequestsPerNodeSecond,
    connections,
    wallMs: performance.now() - wallStart,
    cpuMs: cpuMsSince(cpuStart),
    steps: scheduler.steps,
    heapMb,
    probes: server.requestCount('probe'),
    probeKeys: server.keyCount('probe'),
    virtualMs: scheduler.elapsed,
    cutShort,
  };
  for (const node of nodes) if (node.life === 'running') node.crash('process');
  return result;
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
