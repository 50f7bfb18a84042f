import { afterEach, expect, it } from 'vitest';
import { OwnershipLedger, preciseNow, spawnNode, type NodeHandle } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { runnersByShard, runningAt } from './support/ledger-checks';
import { FAST_LOCK, eventually, randomScope } from './support/in-process-node';

// Issue 22, item 1, on real PostgreSQL with separate processes: agents need 0.5-4 s to return after
// their signal aborts, all within stopDrainTimeout (10 s). A graceful stop must hand each shard over
// at the speed of ITS agent: from the old agent's return (ledger stop stamp) to the shard running
// on the survivor, well under the spread of the return times (not once the slowest returned).

const SHARDS = 16;
const SLOW = { min: 500, max: 4_000 } as const;
const SETTINGS = { leadershipPollingTime: 250, takeoverPollingTime: 250, stopDrainTimeout: 10_000 } as const;
/** Generous for a loaded machine, far below the 3.5 s spread of the returns. */
const PER_SET_BOUND_MS = 1_200;

await describePostgres('a graceful stop hands each shard over as its own agent returns (PostgreSQL, 2 processes)', (url) => {
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

  it('SIGTERM: each shard runs on the survivor right after its old agent returned; never two runners', async () => {
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
    nodes = await Promise.all([spawn('a'), spawn('b')]);
    await eventually(() => allRunningOnce() && nodes.every((node) => node.running() === SHARDS / 2), 'every shard running once, 8 per node', 60_000);

    const [old, survivor] = nodes as [NodeHandle, NodeHandle];
    const termAt = preciseNow();
    const moved = runningAt(ledger, old.id, termAt);
    await old.stop();
    nodes = [survivor];
    await eventually(allRunningOnce, 'every shard running on the survivor', 30_000);

    expect(ledger.findOverlaps()).toEqual([]);
    const gaps = moved.map((shard) => {
      const returned = ledger.intervals().find((i) => i.node === old.id && i.shard === shard && i.stop !== undefined && i.stop >= termAt)!;
      const next = ledger.intervals().find((i) => i.node === survivor.id && i.shard === shard && i.start >= returned.stop!)!;
      return { shard, returnedAfterMs: returned.stop! - termAt, gapMs: next.start - returned.stop! };
    });
    // the returns really were spread out (else this test proves nothing)
    const returns = gaps.map((gap) => gap.returnedAfterMs);
    expect(Math.max(...returns) - Math.min(...returns)).toBeGreaterThan(PER_SET_BOUND_MS);
    expect(Math.max(...gaps.map((gap) => gap.gapMs)), JSON.stringify(gaps)).toBeLessThan(PER_SET_BOUND_MS);
  }, 120_000);
});
