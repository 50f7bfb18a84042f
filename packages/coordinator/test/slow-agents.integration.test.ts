import { afterEach, expect, it } from 'vitest';
import { OwnershipLedger, describePostgres, preciseNow, spawnNode, type NodeHandle } from '@polecat/test-utils';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { runnersByShard } from './support/ledger-checks';
import { FAST_LOCK, eventually, randomScope } from './support/in-process-node';

// Issue 9, item 1, on real PostgreSQL with separate processes: agents need 2-7 s to return after
// their signal aborts (a projection finishing its batch), most of them beyond stopDrainTimeout
// (1.5 s). The agent-side ledger (start stamp at the call, stop stamp at the RETURN) must never show
// two processes running one shard at the same time: across balancing hand-overs (a node joining),
// a graceful stop (SIGTERM) and a crash (SIGKILL).

const SHARDS = 12;
const SLOW = { min: 2_000, max: 7_000 } as const;
const SETTINGS = { leadershipPollingTime: 250, takeoverPollingTime: 250, stopDrainTimeout: 1_500 } as const;

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
    ledger.findOverlaps().map((o) => `${o.shard}: ${o.first.node} [${o.first.start.toFixed(0)}, ${o.first.stop?.toFixed(0)}] / ${o.second.node} [${o.second.start.toFixed(0)}, ${o.second.stop?.toFixed(0)}]`);

  it('never two processes’ agents of one shard at once: hand-over, SIGTERM, SIGKILL', async () => {
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
    // the slow returns really happened past stopDrainTimeout (else this test proves nothing)
    const returnedLate = ledger.intervals().filter((interval) => interval.node === graceful.id && interval.stop !== undefined && interval.stop - termAt > SETTINGS.stopDrainTimeout);
    expect(returnedLate.length).toBeGreaterThan(0);
  }, 150_000);
});
