// The node process the benchmarks measure: its usage sample (live memory after a full GC when asked
// and the process runs with --expose-gc), and its agents, which return when aborted.
import { spawnNode, type NodeHandle } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { FAST_LOCK, FAST_SETTINGS, randomScope } from './support/in-process-node';

const SHARDS = 3;

await describePostgres('node process usage (PostgreSQL)', (url) => {
  let node: NodeHandle | undefined;
  afterEach(async () => {
    await node?.stop();
    node = undefined;
  });

  const start = async (nodeArgs?: readonly string[]): Promise<NodeHandle> => {
    const { daemonLockId, prefix } = randomScope();
    node = await spawnNode({
      id: `${prefix}-n`,
      databases: [{ id: 'main', url }],
      shards: SHARDS,
      shardPrefix: prefix,
      daemonLockId,
      coordinator: { ...FAST_SETTINGS },
      lock: FAST_LOCK,
      logLevel: 'warn',
      modules: { coordinator: COORDINATOR_SOURCE },
      ...(nodeArgs === undefined ? {} : { nodeArgs }),
    });
    await node.whenOwned(SHARDS, 15_000);
    return node;
  };

  it('with --expose-gc a usage sample asked to collect runs a full GC and reports the heap, external memory and young generation', async () => {
    const owner = await start(['--expose-gc']);
    const plain = await owner.usage();
    const collected = await owner.usage(5_000, true);
    expect(plain.collected).toBe(false);
    expect(collected.collected).toBe(true);
    expect(collected.heapUsed).toBeGreaterThan(0);
    expect(collected.heapTotal).toBeGreaterThanOrEqual(collected.heapUsed);
    expect(collected.external).toBeGreaterThan(0);
    expect(collected.newSpace).toBeGreaterThan(0);
  });

  it('without --expose-gc a usage sample asked to collect says it did not', async () => {
    const owner = await start();
    expect((await owner.usage(5_000, true)).collected).toBe(false);
  });

  it('a graceful stop aborts every agent, each reports its stop with the abort reason, and the process exits 0', async () => {
    const owner = await start();
    const exit = await owner.stop();
    const stops = owner.events.filter((event) => event.type === 'agent-stopped');
    expect(exit.code).toBe(0);
    expect(stops).toHaveLength(SHARDS);
    expect(stops.every((event) => event.type === 'agent-stopped' && event.reason.length > 0)).toBe(true);
    expect(owner.running()).toBe(0);
  });
});
