// One takeover cause per takeover, from what happened, counted by the node that took the set: a
// SIGKILLed node's sets are `orphaned` on every survivor (the survivor whose member watcher saw the
// death, and the others, who hear that watcher's `member-left` notice), a graceful stop's sets are
// `released` with the reason `stopped` (the release notice's payload).
import { OwnershipLedger, spawnNode, type NodeEvent, type NodeHandle } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { COORDINATOR_SOURCE } from './support/child-nodes';
import { FAST_LOCK, FAST_SETTINGS, randomScope } from './support/in-process-node';

const SHARDS = 6;

type Takeover = Extract<NodeEvent, { type: 'takeover' }>;
const takeoversOf = (node: NodeHandle, since: number): Takeover[] =>
  node.events.filter((event): event is Takeover => event.type === 'takeover' && event.at >= since);

await describePostgres('takeover causes on PostgreSQL (node processes)', (url) => {
  let nodes: NodeHandle[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.kill('SIGKILL')));
    nodes = [];
  });

  it('a SIGKILL is orphaned on every survivor, a graceful stop is released with reason stopped', async () => {
    const { daemonLockId, prefix } = randomScope();
    const ledger = new OwnershipLedger();
    const spawn = (id: string): Promise<NodeHandle> =>
      spawnNode({
        id: `${prefix}-${id}`,
        databases: [{ id: 'main', url }],
        shards: SHARDS,
        shardPrefix: prefix,
        daemonLockId,
        ledger,
        coordinator: { ...FAST_SETTINGS, takeoverPollingTimeMs: 250 },
        lock: FAST_LOCK,
        logLevel: 'error',
        modules: { coordinator: COORDINATOR_SOURCE },
      });
    nodes = await Promise.all(['a', 'b', 'c'].map(spawn));
    const [victim, first, second] = nodes as [NodeHandle, NodeHandle, NodeHandle];
    const until = async (what: string, condition: () => boolean): Promise<void> => {
      const deadline = Date.now() + 45_000;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what} (running: ${nodes.map((node) => node.running()).join('/')})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await until('every node runs a share', () => nodes.every((node) => node.running() >= 1) && nodes.reduce((sum, node) => sum + node.running(), 0) === SHARDS);

    const killedAt = victim.kill('SIGKILL');
    await until('the survivors run every shard', () => first.running() + second.running() === SHARDS);
    const afterKill = [...takeoversOf(first, killedAt), ...takeoversOf(second, killedAt)];
    // every set the victim held was taken over by a survivor; a survivor that then hands a set to
    // the other for fair share says so (`balanced`): nothing is counted as a release of the dead node
    expect(afterKill.length).toBeGreaterThan(0);
    for (const takeover of afterKill) {
      expect(takeover.cause === 'orphaned' || (takeover.cause === 'released' && takeover.reason === 'balanced'), JSON.stringify(takeover)).toBe(true);
    }
    expect(afterKill.filter((takeover) => takeover.cause === 'orphaned').length).toBeGreaterThan(0);

    const stoppedAt = performance.timeOrigin + performance.now();
    const moving = first.running();
    await first.stop();
    await until('the last node runs every shard', () => second.running() === SHARDS);
    const afterStop = takeoversOf(second, stoppedAt);
    expect(afterStop.length).toBe(moving);
    for (const takeover of afterStop) expect(takeover, JSON.stringify(takeover)).toMatchObject({ cause: 'released', reason: 'stopped' });
    // one takeover per set move: never two events for one acquisition
    expect(new Set(afterStop.map((takeover) => takeover.set)).size).toBe(afterStop.length);
    expect(ledger.findOverlaps()).toEqual([]);
  }, 150_000);
});
