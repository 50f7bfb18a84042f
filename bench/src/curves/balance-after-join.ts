import { spawnNode, type NodeHandle } from '@polecat/test-utils';
import { scope, type BenchConfig } from '../configs';
import { waitUntil } from '../ledger-waits';
import { sleep } from '../stats';
import { spawnAll } from '../spawn-all';

const SHARDS = 100;

/**
 * `nodes` node processes share 100 shards (balanced); one more joins: the time from its spawn
 * until every node runs its fair share (±1). NaN for a configuration that does not balance.
 */
export async function timeToBalanceAfterJoin(url: string, config: BenchConfig, nodes: number): Promise<number> {
  if (config.coordinator.balance === false) return Number.NaN;
  const { daemonLockId, prefix } = scope('j');
  let serial = 0;
  const spawn = (): Promise<NodeHandle> =>
    spawnNode({
      id: `${prefix}-${(serial += 1)}`,
      databases: [{ id: 'main', url }],
      shards: SHARDS,
      shardPrefix: prefix,
      daemonLockId,
      coordinator: config.coordinator,
      lock: config.lock,
      sequentialAttempts: config.sequentialAttempts,
      agentEvents: false,
      logLevel: 'error',
      readyTimeoutMs: 120_000,
    });
  const running: NodeHandle[] = [];
  const balanced = (): boolean => {
    const low = Math.floor(SHARDS / running.length);
    return running.reduce((sum, node) => sum + node.running(), 0) === SHARDS && running.every((node) => node.running() >= low && node.running() <= low + 1);
  };
  try {
    await spawnAll(nodes, spawn, running);
    await waitUntil(balanced, 120_000);
    await sleep(1_000);
    const joinedAt = performance.now();
    running.push(await spawn());
    await waitUntil(balanced, 120_000);
    return performance.now() - joinedAt;
  } finally {
    await Promise.all(running.map((node) => node.stop()));
  }
}
