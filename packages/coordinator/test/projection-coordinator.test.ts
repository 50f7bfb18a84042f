import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorError } from '../src/coordinator-error';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { FakeDistributor } from './fakes/fake-distributor';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
function track<T extends ReturnType<typeof harness>>(h: T): T {
  cleanups.push(() => h.coordinator.dispose());
  return h;
}

describe('ProjectionCoordinator (original behaviour)', () => {
  it('starts the agents of a set it already holds without attempting it', async () => {
    const sets = setsOf(['Trip', 'Day']);
    const h = track(harness(sets));
    h.distributor.grant(sets[0]!);
    h.distributor.grantable = () => false;
    await h.start();
    expect(h.daemon().starts).toEqual(['Trip:All']);
    expect(h.distributor.calls).toContain('tryAttainMany(main/1001)');
    expect(h.distributor.calls.some((call) => call.includes('main/1000') && call.startsWith('tryAttain'))).toBe(false);
    expect(h.named('lockAcquired')).toHaveLength(1);
  });

  it('attains free sets in ONE batched call per cycle and starts their agents with the lock signal', async () => {
    const sets = setsOf(['A', 'B', 'C']);
    const h = track(harness(sets));
    await h.start();
    expect(h.distributor.count('tryAttainMany')).toBe(1);
    expect(h.distributor.count('tryAttain')).toBe(0); // only the batched call
    expect(h.daemon().starts.sort()).toEqual(['A:All', 'B:All', 'C:All']);
    const status = await h.coordinator.whenOwned(3, { timeoutMs: 2000 });
    expect(status.owned.map((set) => set.lockId).sort()).toEqual([1000, 1001, 1002]);
    h.distributor.lose(sets[1]!);
    expect(h.daemon().signals.get('B:All')!.aborted).toBe(true);
    expect(h.daemon().signals.get('A:All')!.aborted).toBe(false);
  });

  it('stops agents of a set it could not attain', async () => {
    const sets = setsOf(['A', 'B']);
    const h = track(harness(sets));
    h.distributor.grantable = (set) => set.key === sets[0]!.key;
    await h.start();
    // a stray agent of B still runs here (e.g. left over from an outage)
    await h.daemon().startAgent(sets[1]!.names[0]!, { signal: new AbortController().signal });
    await h.cycle();
    expect(h.daemon().stops).toEqual(['B:All']);
    expect(h.daemon().statusOf(sets[1]!.names[0]!)?.status).toBe('Stopped');
    expect(h.named('agentStopped')).toEqual([expect.objectContaining({ reason: 'not-held' })]);
  });

  it('stops agents of a set whose lock is no longer held, even without a loss event', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets));
    await h.start();
    h.distributor.held.clear();
    h.distributor.grantable = () => false;
    await h.cycle();
    expect(h.daemon().stops).toEqual(['A:All']);
    expect(h.coordinator.status().owned).toEqual([]);
  });

  it('stop aborts agents, then releases the locks, then disposes daemons and the distributor', async () => {
    const sets = setsOf(['A', 'B']);
    const h = harness(sets);
    await h.start();
    const signal = h.daemon().signals.get('A:All')!;
    h.log.length = 0;
    await h.coordinator.stop();
    expect(signal.aborted).toBe(true);
    const order = (entry: string) => h.log.indexOf(entry);
    expect(order('daemon.stopAll')).toBeGreaterThanOrEqual(0);
    expect(order('daemon.stopAll')).toBeLessThan(order('distributor.releaseAll'));
    expect(order('distributor.releaseAll')).toBeLessThan(order('daemon.dispose'));
    expect(order('daemon.dispose')).toBeLessThan(order('distributor.dispose'));
    expect(h.daemon().disposed).toBe(true);
    expect(h.distributor.disposed).toBe(true);
    expect(h.named('lockReleased')).toHaveLength(2);
    expect(h.coordinator.state).toBe('stopped');
    expect(h.distributor.listenerCount).toBe(0);
  });

  it('a second stop, and dispose after stop, are quiet; start after stop rejects DISPOSED', async () => {
    const h = harness(setsOf(['A']));
    await h.start();
    await Promise.all([h.coordinator.stop(), h.coordinator.stop()]);
    await h.coordinator.stop();
    await h.coordinator.dispose();
    await h.coordinator[Symbol.asyncDispose]();
    expect(h.distributor.count('releaseAll')).toBe(1);
    expect(h.distributor.count('dispose')).toBe(1);
    expect(h.logger.lines.filter((line) => line.level === 'warn' || line.level === 'error')).toEqual([]);
    await expect(h.coordinator.start()).rejects.toSatisfy((error) => CoordinatorError.hasCode(error, 'DISPOSED'));
  });

  it('a second start returns the same promise and does not start a second loop', async () => {
    const h = track(harness(setsOf(['A'])));
    const first = h.coordinator.start();
    const second = h.coordinator.start();
    expect(second).toBe(first);
    await h.nextCycle();
    await h.cycle();
    await h.cycle();
    expect(h.distributor.count('randomWait')).toBe(1);
    expect(h.distributor.count('buildDistribution')).toBe(3);
    expect(h.coordinator.status().cycles).toBe(3);
  });

  it('pause stops agents and releases locks; resume restarts them', async () => {
    const sets = setsOf(['A', 'B']);
    const h = track(harness(sets));
    await h.start();
    await h.coordinator.pause();
    expect(h.coordinator.state).toBe('paused');
    expect(h.daemon().signals.get('A:All')!.aborted).toBe(true);
    expect(h.distributor.count('releaseAll')).toBe(1);
    expect(h.distributor.held.size).toBe(0);
    expect(h.coordinator.status().owned).toEqual([]);
    const builds = h.distributor.count('buildDistribution');
    h.coordinator.wake();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.distributor.count('buildDistribution')).toBe(builds); // no loop while paused
    const next = h.nextCycle();
    await h.coordinator.resume();
    await next;
    expect(h.coordinator.state).toBe('running');
    expect(h.daemon().starts.sort()).toEqual(['A:All', 'A:All', 'B:All', 'B:All']);
    expect(h.daemon().signals.get('A:All')!.aborted).toBe(false);
    expect(h.distributor.count('randomWait')).toBe(1);
  });

  it('disabled mode touches nothing', async () => {
    const distributor = new FakeDistributor(setsOf(['A']));
    let daemonsCreated = 0;
    const coordinator = new ProjectionCoordinator({
      mode: 'Disabled',
      distributor,
      daemonFor: (database) => {
        daemonsCreated += 1;
        throw new Error(`unexpected daemon for ${database.id}`);
      },
    });
    await coordinator.start();
    coordinator.wake();
    await coordinator.pause();
    await coordinator.resume();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await coordinator.stop();
    expect(distributor.calls).toEqual([]);
    expect(distributor.listenerCount).toBe(0);
    expect(daemonsCreated).toBe(0);
    expect(coordinator.status()).toMatchObject({ mode: 'Disabled', state: 'stopped', owned: [] });
  });

  it('Solo mode runs every shard without attempting locks', async () => {
    const sets = [{ ...setsOf(['A'])[0]!, names: setsOf(['A', 'B', 'C']).flatMap((set) => set.names) }];
    const h = track(harness(sets, { kind: 'solo' }));
    await h.start();
    expect(h.daemon().starts).toEqual(['A:All', 'B:All', 'C:All']);
    expect(h.distributor.count('tryAttainMany')).toBe(0);
  });

  it('rejects inconsistent options with INVALID_CONFIGURATION', () => {
    const distributor = new FakeDistributor([]);
    const daemonFor = () => {
      throw new Error('unused');
    };
    const bad = [
      () => new ProjectionCoordinator({ mode: 'HotCold' }),
      () => new ProjectionCoordinator({ mode: 'HotCold', distributor }),
      () => new ProjectionCoordinator({ mode: 'Solo', distributor, daemonFor }),
      () => new ProjectionCoordinator({ mode: 'Hot' as 'HotCold', distributor, daemonFor }),
      () => new ProjectionCoordinator({ mode: 'HotCold', distributor, daemonFor, settings: { leadershipPollingTimeMs: -1 } }),
    ];
    for (const make of bad) expect(make).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
  });

  it('an aborted options.signal stops the coordinator', async () => {
    const controller = new AbortController();
    const distributor = new FakeDistributor(setsOf(['A']));
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor,
      daemonFor: (database) => ({
        database,
        startAgent: async () => {},
        stopAgent: async () => {},
        stopAll: async () => {},
        statusOf: () => undefined,
        anyPaused: () => false,
        dispose: async () => {},
      }),
      signal: controller.signal,
      settings: { leadershipPollingTimeMs: 3_600_000 },
    });
    await coordinator.start();
    controller.abort();
    const status = await coordinator.whenStopped({ timeoutMs: 2000 });
    expect(status.state).toBe('stopped');
    expect(distributor.disposed).toBe(true);
  });
});
