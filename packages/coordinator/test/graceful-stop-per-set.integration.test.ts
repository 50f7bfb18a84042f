import { afterEach, expect, it } from 'vitest';
import { OwnershipLedger, preciseNow, spawnNode, type NodeHandle } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { handovers, runnersByShard, runningAt } from './support/ledger-checks';
import { FAST_LOCK, eventually, randomScope } from './support/in-process-node';

// Issue 22, item 1, on real PostgreSQL with separate processes: agents take 0.5-8 s to return after
// their signal (a projection finishing its batch). A graceful stop (SIGTERM) must hand each shard
// over the moment ITS agent returned, not when the node's slowest agent returned (or the drain
// timeout passed); the agent-side ledger must never show two processes running one shard at once.

const SHARDS = 24; // 8 per node: their returns spread over seconds
const SLOW = { min: 500, max: 8_000 } as const;
// the drain timeout covers the slowest agent: the old path held every lock until then
const SETTINGS = { leadershipPollingTimeMs: 250, takeoverPollingTimeMs: 250, stopDrainTimeoutMs: 9_000 } as const;

await describePostgres('graceful stop with slow agents releases each set at its own return (PostgreSQL, 3 processes)', (url) => {
  let nodes: NodeHandle[] = [];
  const ledger = new OwnershipLedger();

  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
  });

  const allRunningOnce = (): boolean => {
    const runners = runnersByShard(ledger);
    return runners.size === SHARDS && [...runners.values()].every((list) => list.length === 1);
  };

  it('from each old agent’s return to its shard running elsewhere: under 400 ms; 0 overlaps', async () => {
    const { daemonLockId, prefix } = randomScope();
    const spawn = (suffix: string): Promise<NodeHandle> =>
      spawnNode({
        id: `${prefix}-${suffix}`,
        databases: [{ id: 'main', url }],
        shards: SHARDS,
        shardPrefix: prefix,
        daemonLockId,
        ledger,
        agentReturnDelayMs: SLOW,
        coordinator: SETTINGS,
        lock: FAST_LOCK,
        logLevel: 'error',
        modules: { coordinator: COORDINATOR_SOURCE },
      });
    nodes = await Promise.all(['a', 'b', 'c'].map((suffix) => spawn(suffix)));
    await eventually(() => allRunningOnce() && nodes.every((node) => node.running() === SHARDS / 3), 'every shard running once, 8 per node', 90_000);

    const victim = nodes[0]!;
    const termAt = preciseNow();
    const moved = runningAt(ledger, victim.id, termAt);
    expect(moved).toHaveLength(SHARDS / 3);
    await victim.stop();
    nodes = nodes.slice(1);
    await eventually(allRunningOnce, 'every shard running once on the survivors', 30_000);

    const lags = handovers(ledger, victim.id, moved, termAt).map(({ stoppedAt, nextStart }) => nextStart.start - stoppedAt);
    const returns = handovers(ledger, victim.id, moved, termAt).map(({ stoppedAt }) => stoppedAt - termAt);
    // the agents really returned spread out (else this test proves nothing)
    expect(Math.max(...returns) - Math.min(...returns), `returns after SIGTERM: ${returns.map(Math.round).join(', ')} ms`).toBeGreaterThan(1_000);
    // each shard runs elsewhere soon after ITS agent returned (the old path: after the slowest one)
    expect(Math.max(...lags), `lags: ${lags.map(Math.round).join(', ')} ms`).toBeLessThan(400);
    expect(ledger.findOverlaps()).toEqual([]);
    const sorted = [...lags].sort((a, b) => a - b);
    console.info(
      `graceful stop, return -> running elsewhere: p50 ${Math.round(sorted[sorted.length >> 1]!)} ms, max ${Math.round(sorted.at(-1)!)} ms (${lags.length} shards)`,
    );
  }, 180_000);
});
