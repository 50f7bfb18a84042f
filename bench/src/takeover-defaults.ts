import { createPgAdmin, spawnNode, type NodeHandle, type NodeUsage } from '@polecat/test-utils';
import { scope, type BenchConfig } from './configs';
import { sleep } from './stats';
import { runEvent, type ProxyRoute, type SessionKiller, type TakeoverEvent, type TakeoverResult } from './takeover';

/** The faults of benchmark 1b (4 nodes, exact defaults): no graceful stop (release notices already cover it). */
export const DEFAULTS_TAKEOVER_EVENTS = ['sigkill', 'session-kill', 'tcp-cut'] as const satisfies readonly TakeoverEvent[];

/** Nodes of benchmark 1b. */
export const DEFAULTS_NODES = 4;
const SHARDS = 100;

/**
 * Benchmark 1b: 4 nodes × 100 shards, `trials` faults of each kind; before each fault the nodes are
 * balanced (each runs 25; the baseline, which does not balance, is measured as it stands).
 */
export async function runDefaultsTakeover(
  url: string,
  config: BenchConfig,
  trials: number,
  log: (line: string) => void,
  backend?: TakeoverBackend,
): Promise<TakeoverResult[]> {
  const pgAdmin = backend === undefined ? await createPgAdmin(url) : undefined;
  const admin: SessionKiller = backend?.admin ?? pgAdmin!;
  const results: TakeoverResult[] = [];
  try {
    for (const event of DEFAULTS_TAKEOVER_EVENTS) {
      results.push(
        await runEvent(
          url,
          admin,
          config,
          event,
          trials,
          log,
          DEFAULTS_NODES,
          config.coordinator.balance !== false,
          ...(backend === undefined ? [] : [backend.route]),
        ),
      );
    }
  } finally {
    await pgAdmin?.close();
  }
  return results;
}

/** A database other than the PostgreSQL of `url` (SQL Server): its session killer and its proxy route. The caller closes the admin. */
export interface TakeoverBackend {
  readonly admin: SessionKiller;
  readonly route: ProxyRoute;
}

export interface StandbyCostResult {
  readonly config: BenchConfig['name'];
  readonly nodes: number;
  readonly seconds: number;
  /** Lock round trips per second per node, all of them (mean over the nodes). */
  readonly queriesPerSecond: number;
  /**
   * The same without the verification of held locks (`verifyIntervalMs`, an owner's cost): what
   * waiting for a takeover costs (probes, attempts, watcher waits). Mean over the nodes.
   */
  readonly standbyQueriesPerSecond: number;
}

/** Benchmark 3b: 4 nodes × 100 shards at steady state (each at its fair share), queries per node. */
export async function runStandbyCost(url: string, config: BenchConfig, seconds: number, nodeCount = DEFAULTS_NODES): Promise<StandbyCostResult> {
  const { daemonLockId, prefix } = scope('q');
  const nodes: NodeHandle[] = [];
  try {
    for (let index = 0; index < nodeCount; index += 1) {
      nodes.push(
        await spawnNode({
          id: `${prefix}-${config.name[0]}${index}`,
          databases: [{ id: 'main', url }],
          shards: SHARDS,
          shardPrefix: prefix,
          daemonLockId,
          coordinator: config.coordinator,
          lock: config.lock,
          sequentialAttempts: config.sequentialAttempts,
          ...(config.watchMembers === undefined ? {} : { watchMembers: config.watchMembers }),
          agentEvents: false,
          logLevel: 'error',
        }),
      );
    }
    const deadline = Date.now() + 60_000 + nodeCount * 5_000;
    while (nodes.reduce((sum, node) => sum + node.running(), 0) !== SHARDS) {
      if (Date.now() > deadline) throw new Error(`the ${nodeCount} nodes never ran every shard`);
      await sleep(20);
    }
    await sleep(12_000); // balanced, past the first slow polls
    const first = await Promise.all(nodes.map((node) => node.usage()));
    await sleep(seconds * 1000);
    const last = await Promise.all(nodes.map((node) => node.usage()));
    const rate = (pick: (usage: NodeUsage) => number): number =>
      nodes.reduce((sum, _, i) => sum + ((pick(last[i]!) - pick(first[i]!)) / (last[i]!.at - first[i]!.at)) * 1000, 0) / nodes.length;
    return {
      config: config.name,
      nodes: nodes.length,
      seconds,
      queriesPerSecond: rate((usage) => usage.roundTrips),
      standbyQueriesPerSecond: rate((usage) => usage.roundTrips - (usage.verifications ?? 0)),
    };
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
}
