import { OwnershipLedger, createPgAdmin, preciseNow, spawnNode, startTcpProxy, type NodeHandle, type TcpProxy, type TcpProxyTarget } from '@polecat/test-utils';
import { scope, type BenchConfig } from './configs';
import { restartedAt, waitUntil } from './ledger-waits';
import { sleep, summarize, type Summary } from './stats';
import { spawnAll } from './spawn-all';

/** The faults of benchmark 1 (`tcp-cut`: every node connects through its own TCP proxy, reset by the fault). */
export const TAKEOVER_EVENTS = ['sigkill', 'graceful-stop', 'session-kill', 'tcp-cut'] as const;
export type TakeoverEvent = (typeof TAKEOVER_EVENTS)[number];

export interface TakeoverResult {
  readonly config: BenchConfig['name'];
  readonly event: TakeoverEvent;
  /** Event -> every affected shard running again on another node (session kill, TCP cut: on any node). */
  readonly takeover: Summary;
  /** Session kill and TCP cut: event -> the last of the victim's agents aborted. */
  readonly aborted?: Summary;
  readonly overlaps: number;
}

const SHARDS = 100;

/** What a takeover run needs from the database's admin connection (PostgreSQL: `PgAdmin`; SQL Server: `KILL`). */
export interface SessionKiller {
  terminateBackendsByApplicationName(applicationName: string): Promise<unknown>;
}

/** Where a `tcp-cut` node's proxy forwards to, and the node's connection through a proxy. */
export interface ProxyRoute {
  readonly target: TcpProxyTarget;
  readonly through: (proxy: TcpProxy) => string;
}

/** The route of a `postgres://` URL. */
function postgresRoute(url: string): ProxyRoute {
  const target = new URL(url);
  return { target: { host: target.hostname, port: Number(target.port || 5432) }, through: (proxy) => proxy.rewriteUrl(url) };
}

/** Benchmark 1: 3 nodes × 100 shards, `trials` faults of each kind, one config. */
export async function runTakeover(url: string, config: BenchConfig, trials: number, log: (line: string) => void): Promise<TakeoverResult[]> {
  const admin = await createPgAdmin(url);
  const results: TakeoverResult[] = [];
  try {
    for (const event of TAKEOVER_EVENTS) results.push(await runEvent(url, admin, config, event, trials, log));
  } finally {
    await admin.close();
  }
  return results;
}

export async function runEvent(
  url: string,
  admin: SessionKiller,
  config: BenchConfig,
  event: TakeoverEvent,
  trials: number,
  log: (line: string) => void,
  nodeCount = 3,
  /** Before each fault, wait until every node runs its fair share (±1): the victim holds a quarter, not whatever it had. */
  waitBalanced = false,
  /** SQL Server: where a `tcp-cut` proxy forwards (default: the `postgres://` URL's host and port). */
  route: ProxyRoute = postgresRoute(url),
  /** Shards per node process. */
  shards = SHARDS,
): Promise<TakeoverResult> {
  const { daemonLockId, prefix } = scope(event[0]!);
  const ledger = new OwnershipLedger();
  let serial = 0;
  const proxies = new Map<string, TcpProxy>();
  const spawn = async (): Promise<NodeHandle> => {
    const id = `${prefix}-${config.name[0]}${(serial += 1)}`;
    let nodeUrl = url;
    if (event === 'tcp-cut') {
      const proxy = await startTcpProxy({ target: route.target });
      proxies.set(id, proxy);
      nodeUrl = route.through(proxy);
    }
    return spawnNode({
      id,
      databases: [{ id: 'main', url: nodeUrl }],
      shards,
      shardPrefix: prefix,
      daemonLockId,
      ledger,
      coordinator: config.coordinator,
      lock: config.lock,
      sequentialAttempts: config.sequentialAttempts,
      ...(config.watchMembers === undefined ? {} : { watchMembers: config.watchMembers }),
      logLevel: 'error',
    });
  };
  let nodes: NodeHandle[] = [];
  const takeovers: number[] = [];
  const aborts: number[] = [];
  const faultTimes: number[] = [];
  try {
    await spawnAll(nodeCount, spawn, nodes);
    for (let trial = 0; trial < trials; trial += 1) {
      const settleMs = 30_000 + shards * 10; // 10 000 shards on a loaded machine: up to 130 s
      await waitUntil(() => nodes.reduce((sum, node) => sum + node.running(), 0) === shards, settleMs);
      if (waitBalanced) {
        const low = Math.floor(shards / nodes.length);
        await waitUntil(
          () => nodes.every((node) => node.running() >= low && node.running() <= low + 1) && nodes.reduce((sum, node) => sum + node.running(), 0) === shards,
          settleMs,
        );
      }
      await sleep(100 + Math.random() * 400); // random phase against the standbys' polls
      const victim = [...nodes].sort((a, b) => b.running() - a.running())[0]!;
      const affected = [...victim.ownedShards('main')].map((shard) => `main/${shard}`);
      let at: number;
      if (event === 'sigkill') at = victim.kill('SIGKILL');
      else if (event === 'graceful-stop') {
        at = preciseNow();
        void victim.stop();
      } else if (event === 'tcp-cut') {
        at = preciseNow();
        proxies.get(victim.id)!.cutAll();
      } else {
        at = preciseNow();
        await admin.terminateBackendsByApplicationName(victim.id);
      }
      faultTimes.push(at);
      const otherNode = event === 'sigkill' || event === 'graceful-stop';
      const done = (): number | undefined => restartedAt(ledger, affected, at, otherNode ? victim.id : undefined);
      await waitUntil(() => done() !== undefined, settleMs);
      takeovers.push(done()! - at);
      if (!otherNode) {
        const stops = ledger.intervals().filter((i) => i.node === victim.id && i.stop !== undefined && i.stop >= at && affected.includes(i.shard));
        aborts.push(Math.max(...stops.map((i) => i.stop!)) - at);
      } else {
        await victim.exited;
        nodes = [...nodes.filter((node) => node !== victim), await spawn()];
      }
      if ((trial + 1) % 5 === 0) log(`  ${config.name} ${event}: ${trial + 1}/${trials} (last ${takeovers[takeovers.length - 1]!.toFixed(0)} ms)`);
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
  }
  const overlaps = ledger.findOverlaps();
  for (const overlap of overlaps.slice(0, 3)) {
    // times relative to the last fault before the later start (ms)
    const fault = faultTimes.filter((t) => t <= overlap.second.start).at(-1) ?? faultTimes[0] ?? 0;
    const span = (i: { start: number; stop?: number | undefined }): string =>
      `[${(i.start - fault).toFixed(1)}, ${i.stop === undefined ? 'open' : (i.stop - fault).toFixed(1)}]`;
    log(
      `  OVERLAP ${config.name} ${event} ${overlap.shard}: ${overlap.first.node} ${span(overlap.first)} vs ${overlap.second.node} ${span(overlap.second)} ms after fault ${faultTimes.indexOf(fault) + 1} (${overlaps.length} in all)`,
    );
  }
  return {
    config: config.name,
    event,
    takeover: summarize(takeovers),
    ...(aborts.length > 0 ? { aborted: summarize(aborts) } : {}),
    overlaps: overlaps.length,
  };
}
