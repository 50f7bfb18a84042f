import { afterEach, expect, it } from 'vitest';
import { OwnershipLedger, describePostgres, spawnNode, type NodeHandle } from '@polecat/test-utils';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { runnersByShard, runningAt } from './support/ledger-checks';
import { FAST_LOCK, eventually, randomScope } from './support/in-process-node';

// A drain on real PostgreSQL, three processes, agents that need 2-5 s to return after their signal
// (beyond stopDrainTimeout). The drained node must leave the membership before it frees a set: the
// survivors then share its sets out once. Had it kept its member slot until its slowest agent
// returned (the old order), the survivors would have counted three nodes for seconds, taken the
// freed sets as orphans above their share and handed sets back and forth, each move another
// multi-second stop. Asserted on the agent-side ledger: the survivors' own agents never stop, each
// drained shard starts exactly once elsewhere, never two runners of one shard at once.

const SHARDS = 12;
const SLOW = { min: 2_000, max: 5_000 } as const;
const SETTINGS = { leadershipPollingTime: 250, takeoverPollingTime: 250, stopDrainTimeout: 1_500 } as const;

await describePostgres('a drain while agents take seconds to return (PostgreSQL, 3 processes)', (url) => {
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

  it('the drained node’s sets move once; the survivors’ agents keep running; never two runners', async () => {
    const { daemonLockId, prefix } = randomScope();
    nodes = await Promise.all(
      ['a', 'b', 'c'].map((suffix) =>
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
          ownershipIntents: true,
          logLevel: 'error',
          modules: { coordinator: COORDINATOR_SOURCE },
        }),
      ),
    );
    await eventually(() => allRunningOnce() && nodes.every((node) => node.running() === SHARDS / 3), 'every shard running once, 4 per node', 60_000);

    const [victim, ...survivors] = nodes as [NodeHandle, NodeHandle, NodeHandle];
    const drainAt = victim.drain();
    const drained = runningAt(ledger, victim.id, drainAt);
    const kept = new Map(survivors.map((node) => [node.id, runningAt(ledger, node.id, drainAt)]));
    expect(drained).toHaveLength(SHARDS / 3);
    await eventually(() => victim.running() === 0 && allRunningOnce(), 'the drained node empty, every shard running once on the others', 30_000);
    // time for any late re-balancing to show (several polls, more than one multi-second agent stop)
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(ledger.findOverlaps()).toEqual([]);
    expect(victim.running()).toBe(0);
    expect(ledger.intervals().filter((i) => i.node === victim.id && i.start > drainAt)).toEqual([]);
    for (const [node, shards] of kept) {
      const stoppedSince = ledger.intervals().filter((i) => i.node === node && shards.includes(i.shard) && i.stop !== undefined && i.stop > drainAt);
      expect(stoppedSince.map((i) => i.shard)).toEqual([]);
    }
    const movedStarts = ledger.intervals().filter((i) => i.node !== victim.id && i.start > drainAt);
    expect(movedStarts.map((i) => i.shard).sort()).toEqual([...drained].sort());
    expect(survivors.map((node) => node.running()).sort()).toEqual([SHARDS / 2, SHARDS / 2]);
    // the slow returns really happened past stopDrainTimeout (else this test proves nothing)
    const returnedLate = ledger.intervals().filter((i) => i.node === victim.id && i.stop !== undefined && i.stop - drainAt > SETTINGS.stopDrainTimeout);
    expect(returnedLate.length).toBeGreaterThan(0);
  }, 120_000);
});
