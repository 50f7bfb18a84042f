import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { spawnNode, type NodeHandle, type NodeUsage } from '@polecat/test-utils';
import { scope, type BenchConfig } from './configs';
import { sleep } from './stats';

export interface SteadyStateResult {
  readonly config: BenchConfig['name'];
  readonly shards: number;
  readonly seconds: number;
  /** Owner process CPU, % of one core, over the whole window. */
  readonly ownerCpuPercent: number;
  /**
   * The same over consecutive sub-windows of {@link cpuWindowSeconds} (two or more of the owner's
   * 5 s cycles each): what varies shows here (one garbage collection, a burst of machine load
   * lifts one window, not the median).
   */
  readonly ownerCpuWindowsPercent: readonly number[];
  /** Owner RSS minus an idle Node process's RSS (MB), at the end of the window. */
  readonly ownerRssAboveEmptyMb: number;
  /**
   * The same at each CPU sample, from the window's start: a drop of tens of MB is V8's memory
   * reducer giving back the start-up peak (young generation grown to its maximum, old space), which
   * it does once allocation calms down, about 40 s after the start; what the end figure depends on.
   */
  readonly ownerRssSamplesMb: readonly number[];
  /** Owner's V8 heap in use after a full garbage collection minus an idle Node process's (MB): what it keeps. */
  readonly ownerLiveHeapAboveEmptyMb: number;
  /** Committed size of the owner's young generation at the end of the window (MB; 32 before the memory reducer ran). */
  readonly ownerNewSpaceMb: number;
  /** Lock queries per second sent by the owner / by a standby. */
  readonly ownerQueriesPerSecond: number;
  readonly standbyQueriesPerSecond: number;
  readonly standbyCpuPercent: number;
}

const exec = promisify(execFile);

/** An idle Node process started like the node processes (`--import tsx`): its RSS, and its V8 heap in use after a full GC (bytes). */
export interface EmptyNode {
  readonly rss: number;
  readonly liveHeap: number;
}

/** Measures an idle Node process ({@link EmptyNode}). */
export async function emptyNode(): Promise<EmptyNode> {
  const script = fileURLToPath(new URL('./empty-node.ts', import.meta.url));
  const { stdout } = await exec(process.execPath, ['--expose-gc', '--import', 'tsx', script]);
  return JSON.parse(stdout.trim()) as EmptyNode;
}

/** Sub-windows of the owner's CPU: 10 s (two 5 s cycles, five 2 s verifications), 5 s below 30 s. */
export function cpuWindowSeconds(seconds: number): number {
  return seconds >= 30 ? 10 : 5;
}

/** Benchmark 3: one node owning `shards` shards (and one standby) for `seconds`. */
export async function runSteadyState(url: string, config: BenchConfig, shards: number, seconds: number, empty: EmptyNode): Promise<SteadyStateResult> {
  const { daemonLockId, prefix } = scope('s');
  const common = {
    databases: [{ id: 'main', url }],
    shards,
    shardPrefix: prefix,
    daemonLockId,
    coordinator: config.coordinator,
    lock: config.lock,
    sequentialAttempts: config.sequentialAttempts,
    agentEvents: false,
    logLevel: 'error' as const,
    readyTimeoutMs: 60_000,
  };
  let owner: NodeHandle | undefined;
  let standby: NodeHandle | undefined;
  try {
    // --expose-gc only lets the last sample collect first (live heap); it changes nothing before
    owner = await spawnNode({ ...common, id: `${prefix}-owner`, nodeArgs: ['--expose-gc'] });
    await owner.whenOwned(shards, 180_000);
    standby = await spawnNode({ ...common, id: `${prefix}-standby` });
    await sleep(6_000); // past the standby's first cycles and the owner's start-up garbage
    const [o1, s1] = await Promise.all([owner.usage(), standby.usage()]);
    const windowSeconds = cpuWindowSeconds(seconds);
    const ownerSamples = [o1];
    for (let left = seconds; left > 0; left -= windowSeconds) {
      await sleep(Math.min(windowSeconds, left) * 1000);
      if (left > windowSeconds) ownerSamples.push(await owner.usage());
    }
    const [o2, s2] = await Promise.all([owner.usage(), standby.usage()]);
    ownerSamples.push(o2);
    const live = await owner.usage(10_000, true);
    if (live.collected !== true) throw new Error('steady state: the owner did not run the full GC (--expose-gc missing)');
    const mb = (bytes: number): number => bytes / 1024 / 1024;
    const cpu = (a: NodeUsage, b: NodeUsage): number =>
      ((b.cpuUserMicros + b.cpuSystemMicros - a.cpuUserMicros - a.cpuSystemMicros) / 1000 / (b.at - a.at)) * 100;
    const qps = (a: NodeUsage, b: NodeUsage): number => ((b.roundTrips - a.roundTrips) / (b.at - a.at)) * 1000;
    return {
      config: config.name,
      shards,
      seconds,
      ownerCpuPercent: cpu(o1, o2),
      ownerCpuWindowsPercent: ownerSamples.slice(1).map((b, i) => cpu(ownerSamples[i]!, b)),
      ownerRssAboveEmptyMb: mb(o2.rss - empty.rss),
      ownerRssSamplesMb: ownerSamples.map((sample) => mb(sample.rss - empty.rss)),
      ownerLiveHeapAboveEmptyMb: mb(live.heapUsed - empty.liveHeap),
      ownerNewSpaceMb: mb(o2.newSpace ?? Number.NaN),
      ownerQueriesPerSecond: qps(o1, o2),
      standbyQueriesPerSecond: qps(s1, s2),
      standbyCpuPercent: cpu(s1, s2),
    };
  } finally {
    await standby?.stop();
    await owner?.stop();
  }
}
