import { afterEach, expect, it } from 'vitest';
import { OwnershipLedger, preciseNow, spawnNode, type NodeHandle } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { runnersByShard, runningAt } from './support/ledger-checks';
import { FAST_LOCK, eventually, randomScope } from './support/in-process-node';

// Issue 9, item 1, on real PostgreSQL with separate processes: agents need 2-7 s to return after
// their signal aborts (a projection finishing its batch), most of them beyond stopDrainTimeoutMs
// (1.5 s). The agent-side ledger (start stamp at the call, stop stamp at the RETURN) must never show
// two processes running one shard at the same time: across balancing hand-overs (a node joining),
// a graceful stop (SIGTERM), a crash (SIGKILL) and an operator's drain.

const SHARDS = 12;
const SLOW = { min: 2_000, max: 7_000 } as const;
const SETTINGS = { leadershipPollingTimeMs: 250, takeoverPollingTimeMs: 250, stopDrainTimeoutMs: 1_500 } as const;

await describePostgres('agents that take seconds to return (PostgreSQL, 3 processes)', (url) => {
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
  const overlapDetails = (): string[] =>
    ledger
      .findOverlaps()
      .map(
        (o) =>
          `${o.shard}: ${o.first.node} [${o.first.start.toFixed(0)}, ${o.first.stop?.toFixed(0)}] / ${o.second.node} [${o.second.start.toFixed(0)}, ${o.second.stop?.toFixed(0)}]`,
      );

  /** A node process of one test (`scope`) whose agents need 2-7 s to return. */
  const spawnerFor =
    ({ daemonLockId, prefix }: ReturnType<typeof randomScope>) =>
    (suffix: string): Promise<NodeHandle> =>
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
      });

  it('never two processes’ agents of one shard at once: hand-over, SIGTERM, SIGKILL', async () => {
    const spawn = spawnerFor(randomScope());

    // 1. two nodes share the shards, then a third joins: fair-share hands sets over to it while
    //    their agents still finish their batches
    nodes = await Promise.all([spawn('a'), spawn('b')]);
    await eventually(allRunningOnce, 'all shards running once on two nodes', 30_000);
    const joiner = await spawn('c');
    nodes.push(joiner);
    await eventually(() => joiner.running() >= 3 && allRunningOnce(), 'the third node running its share', 45_000);
    expect(overlapDetails()).toEqual([]);

    // 2. graceful stop of a node whose agents need seconds: its shards move only after they returned
    const graceful = nodes.find((node) => node !== joiner && node.running() > 0)!;
    const termAt = preciseNow();
    const stopped = graceful.stop();
    await eventually(() => graceful.events.some((event) => event.type === 'stop-draining'), 'stop() reporting agents still running', 15_000);
    await stopped;
    nodes = nodes.filter((node) => node !== graceful);
    await eventually(allRunningOnce, 'every shard running again after the SIGTERM', 30_000);
    expect(overlapDetails()).toEqual([]);

    // 3. crash: a SIGKILLed process's agents die with it; the survivor takes over
    const victim = nodes.find((node) => node.running() > 0)!;
    victim.kill('SIGKILL');
    await victim.exited;
    nodes = nodes.filter((node) => node !== victim);
    await eventually(allRunningOnce, 'every shard running again after the SIGKILL', 30_000);

    expect(overlapDetails()).toEqual([]);
    // the slow returns really happened past stopDrainTimeoutMs (else this test proves nothing)
    const returnedLate = ledger
      .intervals()
      .filter((interval) => interval.node === graceful.id && interval.stop !== undefined && interval.stop - termAt > SETTINGS.stopDrainTimeoutMs);
    expect(returnedLate.length).toBeGreaterThan(0);
  }, 150_000);

  it('a drain: the drained node’s sets move once; the survivors’ agents keep running; never two runners', async () => {
    // The drained node must leave the membership before it frees a set: the survivors then share
    // its sets out once. Had it kept its member slot until its slowest agent returned (the old
    // order), the survivors would have counted three nodes for seconds, taken the freed sets as
    // orphans above their share and handed sets back and forth, each move another slow stop.
    const spawn = spawnerFor(randomScope());
    nodes = await Promise.all(['a', 'b', 'c'].map((suffix) => spawn(suffix)));
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
    // the slow returns really happened past stopDrainTimeoutMs (else this test proves nothing)
    const returnedLate = ledger.intervals().filter((i) => i.node === victim.id && i.stop !== undefined && i.stop - drainAt > SETTINGS.stopDrainTimeoutMs);
    expect(returnedLate.length).toBeGreaterThan(0);
  }, 120_000);
});
