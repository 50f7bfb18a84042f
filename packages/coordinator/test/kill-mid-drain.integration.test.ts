import { afterEach, expect, it } from 'vitest';
import { OwnershipLedger, preciseNow, spawnNode, type NodeHandle } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { runnersByShard, runningAt } from './support/ledger-checks';
import { FAST_LOCK, FAST_SETTINGS, eventually, randomScope } from './support/in-process-node';

// Narrow membership probes with separate processes on PostgreSQL: a node that left (graceful stop)
// while its agents still finish their batches keeps its sets, and a leaving marker, until they
// returned. Killed then, long after its last notice (more than the 10 s quiet rule), its sets
// become free silently: no release notice, its member slot long gone. Only its marker tells: while
// it lives the survivor probes in full, and its end is a member gone, so the survivor takes the
// sets at its next probe, not at the 30 s refresh a quiet cluster would otherwise wait for (28 s
// after the kill when the marker is left out). The agent-side ledger must never show two
// processes running one shard.

const SHARDS = 12;
const RETURN_AFTER_ABORT = { min: 16_000, max: 18_000 } as const;
const KILL_AFTER_STOP_MS = 12_000; // past the 10 s quiet rule, before the agents return

await describePostgres('a node killed mid-drain, after it left (PostgreSQL, 2 processes)', (url) => {
  let nodes: NodeHandle[] = [];
  const ledger = new OwnershipLedger();
  afterEach(async () => {
    // (killed: a graceful stop would wait 16-18 s for the agents, and the stop is not what this checks)
    await Promise.all(nodes.map((node) => (node.kill('SIGKILL'), node.exited)));
    nodes = [];
  });

  const runningOnceOn = (node: NodeHandle, count: number): boolean => {
    const runners = runnersByShard(ledger);
    return runners.size === SHARDS && [...runners.values()].every((list) => list.length === 1) && node.running() === count;
  };

  it('its sets run on the survivor within seconds of the kill (its leaving marker ended), never two runners', async () => {
    const { daemonLockId, prefix } = randomScope();
    const spawn = (suffix: string): Promise<NodeHandle> =>
      spawnNode({
        id: `${prefix}-${suffix}`,
        databases: [{ id: 'main', url }],
        shards: SHARDS,
        shardPrefix: prefix,
        daemonLockId,
        ledger,
        agentReturnDelayMs: RETURN_AFTER_ABORT,
        coordinator: { ...FAST_SETTINGS },
        lock: FAST_LOCK,
        logLevel: 'error',
        modules: { coordinator: COORDINATOR_SOURCE },
        readyTimeoutMs: 40_000, // two children loading through tsx on a busy CI machine
      });
    nodes = await Promise.all([spawn('a'), spawn('b')]);
    const [leaver, survivor] = nodes as [NodeHandle, NodeHandle];
    await eventually(() => runningOnceOn(leaver, SHARDS / 2), 'every shard running once, 6 per node', 30_000);

    const stopAt = preciseNow();
    const stopping = leaver.stop();
    await eventually(() => leaver.events.some((event) => event.type === 'stop-draining'), 'stop() reporting agents still running', 15_000);
    const held = runningAt(ledger, leaver.id, stopAt);
    expect(held).toHaveLength(SHARDS / 2);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, stopAt + KILL_AFTER_STOP_MS - preciseNow())));
    expect(runningAt(ledger, leaver.id, preciseNow())).toEqual(held); // still draining: none returned yet

    const killedAt = leaver.kill('SIGKILL');
    console.log(`[kill-mid-drain] killed ${(killedAt - stopAt).toFixed(0)} ms after the stop`);
    await stopping;
    nodes = [survivor];
    await eventually(() => runningOnceOn(survivor, SHARDS), 'every shard running once on the survivor', 30_000);
    const restartedAt = Math.max(
      ...held.map((shard) => ledger.intervals().find((i) => i.node === survivor.id && i.shard === shard && i.start >= killedAt)!.start),
    );
    console.log(`[kill-mid-drain] the leaver's ${held.length} shards ran on the survivor ${(restartedAt - killedAt).toFixed(0)} ms after the kill`);
    // a full probe at the marker's end; without it, the next full probe (up to 30 s later)
    expect(restartedAt - killedAt).toBeLessThan(8_000);
    expect(ledger.findOverlaps()).toEqual([]);
  }, 90_000);
});
