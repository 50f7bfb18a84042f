import { shardName } from '@polecat/distributors';
import { describe, expect, it } from 'vitest';
import { FunctionAgentDaemon, type AgentContext } from '../src/function-agent-daemon';

function daemonWithSignals() {
  const signals = new Map<string, AbortSignal>();
  const daemon = new FunctionAgentDaemon({
    database: { id: 'main' },
    agents:
      () =>
      async ({ signal, shard }: AgentContext) => {
        signals.set(shard.identity, signal);
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          else signal.addEventListener('abort', () => resolve(), { once: true });
        });
      },
  });
  return { daemon, signals };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FunctionAgentDaemon: one signal per agent', () => {
  it("uses a one-shard set's dedicated controller as is (no second signal) and aborts it on stopAgent", async () => {
    const { daemon, signals } = daemonWithSignals();
    const controller = new AbortController();
    const shard = shardName('Solo');
    await daemon.startAgent(shard, { signal: controller.signal, controller });
    await tick();
    expect(signals.get(shard.identity)).toBe(controller.signal);
    await daemon.stopAgent(shard, new Error('stop'));
    expect(controller.signal.aborted).toBe(true);
    expect(daemon.statusOf(shard)?.status).toBe('Stopped');
  });

  it('agents sharing a parent signal each get their own, all aborted by the parent, one by stopAgent', async () => {
    const { daemon, signals } = daemonWithSignals();
    const parent = new AbortController();
    const [a, b, c] = [shardName('A'), shardName('B'), shardName('C')];
    for (const shard of [a, b, c]) await daemon.startAgent(shard, { signal: parent.signal });
    await tick();
    const [sa, sb, sc] = [a, b, c].map((shard) => signals.get(shard.identity)!);
    expect(new Set([sa, sb, sc, parent.signal]).size).toBe(4);
    await daemon.stopAgent(a, new Error('only a'));
    expect([sa!.aborted, sb!.aborted, sc!.aborted]).toEqual([true, false, false]);
    const why = new Error('set stopped');
    parent.abort(why);
    expect(sb!.reason).toBe(why);
    expect(sc!.reason).toBe(why);
    await daemon.stopAll();
    expect(daemon.states().every((state) => state.status === 'Stopped')).toBe(true);
  });

  it('an agent started on an already aborted parent sees an aborted signal', async () => {
    const { daemon, signals } = daemonWithSignals();
    const parent = new AbortController();
    parent.abort(new Error('gone'));
    const shard = shardName('Late');
    await daemon.startAgent(shard, { signal: parent.signal });
    await tick();
    expect(signals.get(shard.identity)!.aborted).toBe(true);
    await daemon.dispose();
  });

  it('stopping 1 000 agents at once is quick (one shared drain timer, no per-agent AbortError)', async () => {
    const { daemon } = daemonWithSignals();
    const parent = new AbortController();
    const shards = Array.from({ length: 1000 }, (_, i) => shardName(`M${i}`));
    for (const shard of shards) await daemon.startAgent(shard, { signal: parent.signal });
    await tick();
    await Promise.all(shards.map((shard) => daemon.stopAgent(shard)));
    expect(daemon.states().filter((state) => state.status === 'Stopped')).toHaveLength(1000);
  });
});
