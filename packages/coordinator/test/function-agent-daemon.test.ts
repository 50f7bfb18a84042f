import { describe, expect, it } from 'vitest';
import { CoordinatorError } from '../src/coordinator-error';
import { createFunctionDaemonFactory, FunctionAgentDaemon, type AgentContext } from '../src/function-agent-daemon';
import { ManualClock, mainDb, shard } from './fakes/fixtures';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const signal = () => new AbortController().signal;

describe('FunctionAgentDaemon', () => {
  it('is Running while pending, Stopped when it resolves on its own', async () => {
    const work = deferred();
    const daemon = new FunctionAgentDaemon({ database: mainDb, agents: { Trip: () => work.promise } });
    await daemon.startAgent(shard('Trip'), { signal: signal() });
    expect(daemon.statusOf(shard('Trip'))?.status).toBe('Running');
    work.resolve();
    await tick();
    expect(daemon.statusOf(shard('Trip'))?.status).toBe('Stopped');
    expect(daemon.anyPaused()).toBe(false);
  });

  it('a rejection pauses the agent with the time and error', async () => {
    const clock = new ManualClock();
    const boom = new Error('boom');
    const daemon = new FunctionAgentDaemon({ database: mainDb, clock, agents: { 'Trip:All': async () => Promise.reject(boom) } });
    await daemon.startAgent(shard('Trip'), { signal: signal() });
    await tick();
    expect(daemon.statusOf(shard('Trip'))).toMatchObject({ status: 'Paused', pausedAt: clock.now(), error: boom });
    expect(daemon.anyPaused()).toBe(true);
    await daemon.startAgent(shard('Trip'), { signal: signal() }); // restart
    expect(daemon.statusOf(shard('Trip'))?.status).toBe('Running');
  });

  it('a synchronous throw also pauses (never escapes startAgent)', async () => {
    const daemon = new FunctionAgentDaemon({
      database: mainDb,
      agents: () => () => {
        throw new Error('sync');
      },
    });
    await daemon.startAgent(shard('X'), { signal: signal() });
    await tick();
    expect(daemon.statusOf(shard('X'))?.status).toBe('Paused');
  });

  it('passes signal, shard, database and epoch; an abort of the coordinator signal stops it (not paused)', async () => {
    let seen: AgentContext | undefined;
    const daemon = new FunctionAgentDaemon({
      database: mainDb,
      agents: {
        Trip: (context) => {
          seen = context;
          return new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(context.signal.reason)));
        },
      },
    });
    const controller = new AbortController();
    await daemon.startAgent(shard('Trip'), { signal: controller.signal, epoch: 7n });
    await tick();
    expect(seen).toMatchObject({ shard: shard('Trip'), database: mainDb, epoch: 7n });
    const reason = new Error('lock lost');
    controller.abort(reason);
    await tick();
    expect(seen!.signal.reason).toBe(reason);
    expect(daemon.statusOf(shard('Trip'))?.status).toBe('Stopped');
  });

  it('stopAgent aborts and awaits the function; stopAll stops every agent', async () => {
    const finished: string[] = [];
    const agent = async ({ signal: s, shard: sh }: AgentContext) => {
      await new Promise((resolve) => s.addEventListener('abort', resolve));
      await tick();
      finished.push(sh.identity);
    };
    const daemon = new FunctionAgentDaemon({ database: mainDb, agents: () => agent });
    await daemon.startAgent(shard('A'), { signal: signal() });
    await daemon.startAgent(shard('B'), { signal: signal() });
    await daemon.startAgent(shard('C'), { signal: signal() });
    await daemon.stopAgent(shard('A'));
    expect(finished).toEqual(['A:All']);
    expect(daemon.statusOf(shard('A'))?.status).toBe('Stopped');
    await daemon.stopAll();
    expect(finished.sort()).toEqual(['A:All', 'B:All', 'C:All']);
    expect(daemon.states().every((state) => state.status === 'Stopped')).toBe(true);
  });

  it('stopAgent gives up after drainTimeoutMs on an agent that ignores its signal', async () => {
    const daemon = new FunctionAgentDaemon({ database: mainDb, drainTimeoutMs: 30, agents: () => () => new Promise(() => {}) });
    await daemon.startAgent(shard('A'), { signal: signal() });
    await daemon.stopAgent(shard('A'));
    expect(daemon.statusOf(shard('A'))?.status).toBe('Stopping'); // honest: aborted, it still runs
  });

  it('a timed-out run is Stopping, not Running; a new start waits until it returned, then starts it once', async () => {
    const gates: (() => void)[] = [];
    const runs: string[] = [];
    let count = 0;
    const daemon = new FunctionAgentDaemon({
      database: mainDb,
      drainTimeoutMs: 20,
      agents: {
        // finishes its batch long after its signal aborted
        A: ({ signal: s }) => {
          const run = count++;
          runs.push(`start ${run}`);
          return new Promise<void>((resolve) => {
            s.addEventListener('abort', () => gates.push(() => (runs.push(`return ${run}`), resolve())), { once: true });
          });
        },
      },
    });
    const first = new AbortController();
    await daemon.startAgent(shard('A'), { signal: first.signal });
    first.abort(new Error('hand-over'));
    await daemon.stopAgent(shard('A')); // gives up after 20 ms
    expect(daemon.statusOf(shard('A'))?.status).toBe('Stopping');
    let settled = false;
    const settling = daemon.whenSettled(shard('A')).then(() => (settled = true));
    // a new grant on this node: must not start next to the old run, must start once it returned
    let started = false;
    const starting = daemon.startAgent(shard('A'), { signal: signal() }).then(() => (started = true));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(started).toBe(false);
    expect(settled).toBe(false);
    expect(runs).toEqual(['start 0']);
    gates.shift()!();
    await Promise.all([starting, settling]);
    await tick();
    expect(runs).toEqual(['start 0', 'return 0', 'start 1']);
    expect(daemon.statusOf(shard('A'))?.status).toBe('Running');
    await daemon.whenSettled(shard('Unknown')); // none runs: at once
  });

  it('a start waiting for an old run starts nothing when its own signal aborts meanwhile', async () => {
    let finish!: () => void;
    let calls = 0;
    const daemon = new FunctionAgentDaemon({
      database: mainDb,
      drainTimeoutMs: 10,
      agents: { A: () => (calls++, new Promise<void>((resolve) => (finish = resolve))) },
    });
    await daemon.startAgent(shard('A'), { signal: signal() });
    await daemon.stopAgent(shard('A'));
    const second = new AbortController();
    const starting = daemon.startAgent(shard('A'), { signal: second.signal });
    second.abort(new Error('lost again'));
    await starting;
    finish();
    await daemon.whenSettled(shard('A'));
    await tick();
    expect(calls).toBe(1);
    expect(daemon.statusOf(shard('A'))?.status).toBe('Stopped');
  });

  it('starting a running agent is a no-op; an unknown shard rejects UNKNOWN_AGENT; dispose is final', async () => {
    let calls = 0;
    const daemon = new FunctionAgentDaemon({ database: mainDb, agents: { A: () => (calls++, new Promise(() => {})) } });
    await daemon.startAgent(shard('A'), { signal: signal() });
    await daemon.startAgent(shard('A'), { signal: signal() });
    await tick();
    expect(calls).toBe(1);
    await expect(daemon.startAgent(shard('Nope'), { signal: signal() })).rejects.toSatisfy((e) => CoordinatorError.hasCode(e, 'UNKNOWN_AGENT'));
    const quick = new FunctionAgentDaemon({ database: mainDb, agents: { A: ({ signal: s }) => new Promise((r) => s.addEventListener('abort', () => r())) } });
    await quick.startAgent(shard('A'), { signal: signal() });
    await quick.dispose();
    await quick.dispose();
    await expect(quick.startAgent(shard('A'), { signal: signal() })).rejects.toSatisfy((e) => CoordinatorError.hasCode(e, 'DISPOSED'));
    expect(calls).toBe(1);
  });

  it('does not look up inherited properties as agents', async () => {
    const daemon = new FunctionAgentDaemon({ database: mainDb, agents: {} });
    await expect(daemon.startAgent(shard('toString'), { signal: signal() })).rejects.toSatisfy((e) => CoordinatorError.hasCode(e, 'UNKNOWN_AGENT'));
  });

  it('createFunctionDaemonFactory makes one daemon per database', () => {
    const factory = createFunctionDaemonFactory({ A: async () => {} });
    const one = factory(mainDb);
    const two = factory({ id: 'other' });
    expect(one).toBeInstanceOf(FunctionAgentDaemon);
    expect(one.database).toBe(mainDb);
    expect(two.database.id).toBe('other');
  });
});
