import { LockLostError } from '@polecat/app-lock';
import type { ProjectionSet } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorError } from '../src/coordinator-error';
import { shareLimitPolicy } from '../src/ownership-policy';
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

describe('improvement 1: a lost lock aborts its agents at once', () => {
  it('stops the set agents, emits lockLost and wakes the loop without waiting for the poll', async () => {
    const sets = setsOf(['A', 'B']);
    const h = track(harness(sets)); // polling is one hour
    await h.start();
    const lost = new Promise<{ set: ProjectionSet; error: LockLostError }>((resolve) => h.coordinator.on('lockLost', resolve));
    h.distributor.grantable = () => false; // someone else takes it meanwhile
    const next = h.nextCycle();
    const error = h.distributor.lose(sets[0]!);
    expect(h.daemon().signals.get('A:All')!.aborted).toBe(true);
    expect(h.daemon().signals.get('A:All')!.reason).toBe(error);
    const event = await lost;
    expect(event.set.key).toBe(sets[0]!.key);
    expect(LockLostError.isLockLost(event.error)).toBe(true);
    expect(h.daemon().stops).toEqual(['A:All']);
    await next; // woken: re-attempts promptly
    expect(h.distributor.calls.at(-1)).toBe(`tryAttainMany(${sets[0]!.key})`);
    expect(h.coordinator.status().owned.map((set) => set.key)).toEqual([sets[1]!.key]);
  });

  it('re-attains a lost set on the woken cycle when it is free again', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets));
    await h.start();
    const next = h.nextCycle();
    h.distributor.lose(sets[0]!);
    await next;
    expect(h.daemon().starts).toEqual(['A:All', 'A:All']);
    expect(h.named('lockAcquired')).toHaveLength(2);
  });
});

describe('improvement 2: a start failure backs off per set, logged with its cause', () => {
  it('keeps the lock, waits 1 s, 2 s, ... before retrying, and resets after success', async () => {
    const sets = setsOf(['A', 'B']);
    let failA = true;
    const cause = new Error('projection store unreachable');
    const h = track(harness(sets, { configureDaemon: (d) => (d.failStart = (shard) => (failA && shard.name === 'A' ? cause : undefined)) }));
    await h.start();
    const warn = h.logger.lines.find((line) => line.message.includes('start failed'));
    expect(warn?.level).toBe('warn');
    expect(warn?.context).toMatchObject({ set: sets[0]!.key, lockId: 1000, failures: 1, retryInMs: 1000, cause });
    const error = h.named('error')[0] as { error: CoordinatorError };
    expect(CoordinatorError.hasCode(error.error, 'AGENT_START_FAILED')).toBe(true);
    expect(error.error.cause).toBe(cause);
    expect(h.distributor.held.has(sets[0]!.key)).toBe(true); // not released (releaseOnStartFailure: false)
    expect(h.coordinator.status().backingOff).toEqual({ [sets[0]!.key]: h.clock.now() + 1000 });
    const attemptsOfA = () => h.log.filter((line) => line === 'daemon.start(A:All)').length;
    expect(attemptsOfA()).toBe(1);
    await h.cycle();
    await h.cycle();
    expect(attemptsOfA()).toBe(1); // no tight loop
    h.clock.advance(1001);
    await h.cycle();
    expect(attemptsOfA()).toBe(2);
    expect(h.coordinator.status().backingOff[sets[0]!.key]).toBe(h.clock.now() + 2000);
    h.clock.advance(2001);
    failA = false;
    await h.cycle();
    expect(attemptsOfA()).toBe(3);
    expect(h.coordinator.status().backingOff).toEqual({});
    expect(h.daemon().starts.sort()).toEqual(['A:All', 'B:All']);
  });

  it('with releaseOnStartFailure releases the set and does not re-attempt it until the backoff ends', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets, { settings: { releaseOnStartFailure: true }, configureDaemon: (d) => (d.failStart = () => new Error('nope')) }));
    await h.start();
    expect(h.distributor.calls).toContain(`release(${sets[0]!.key})`);
    expect(h.distributor.held.size).toBe(0);
    const attempts = () => h.distributor.count('tryAttainMany');
    expect(attempts()).toBe(1);
    await h.cycle();
    expect(attempts()).toBe(1);
    h.clock.advance(1001);
    await h.cycle();
    await h.cycle(); // (a cycle that began before the clock moved still saw the backoff)
    expect(attempts()).toBe(2);
  });

  it('sleeps only until the earliest backoff expires', async () => {
    const h = track(harness(setsOf(['A']), { configureDaemon: (d) => (d.failStart = () => new Error('nope')) }));
    const first = h.nextCycle();
    await h.coordinator.start();
    expect((await first).sleepMs).toBe(1000);
  });
});

describe('improvement 3: a Stopped agent on a held set is never silently dead', () => {
  it('is restarted by default', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets));
    await h.start();
    h.daemon().finish(sets[0]!.names[0]!);
    await h.cycle();
    expect(h.daemon().starts).toEqual(['A:All', 'A:All']);
    expect(h.named('agentStarted').at(-1)).toMatchObject({ kind: 'restart-stopped' });
  });

  it('releases the lock when restartStoppedAgents is false, and backs off before taking it again', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets, { settings: { restartStoppedAgents: false } }));
    await h.start();
    h.daemon().finish(sets[0]!.names[0]!);
    await h.cycle();
    expect(h.distributor.calls).toContain(`release(${sets[0]!.key})`);
    expect(h.named('lockReleased')).toHaveLength(1);
    expect(h.daemon().starts).toEqual(['A:All']);
    await h.cycle();
    expect(h.daemon().starts).toEqual(['A:All']); // gives other nodes a chance first
  });

  it('restarts a paused agent only after healthCheckPollingTime', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets));
    await h.start();
    h.daemon().pause(sets[0]!.names[0]!, h.clock.now());
    await h.cycle();
    expect(h.named('agentPaused')).toHaveLength(1);
    expect(h.daemon().starts).toEqual(['A:All']);
    h.clock.advance(5001);
    await h.cycle();
    expect(h.daemon().starts).toEqual(['A:All', 'A:All']);
    expect(h.named('agentStarted').at(-1)).toMatchObject({ kind: 'restart-paused' });
  });

  it('sleeps agentPauseTime while an agent is paused', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets, { settings: { agentPauseTime: 1234 } }));
    await h.start();
    h.daemon().pause(sets[0]!.names[0]!, h.clock.now());
    expect((await h.cycle()).sleepMs).toBe(1234);
  });
});

describe('improvement 4: pause releases the locks (configurable)', () => {
  it('keeps the locks with releaseLocksOnPause false and restarts agents on resume without re-attempting', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets, { settings: { releaseLocksOnPause: false } }));
    await h.start();
    await h.coordinator.pause();
    expect(h.distributor.count('releaseAll')).toBe(0);
    expect(h.distributor.held.has(sets[0]!.key)).toBe(true);
    expect(h.daemon().signals.get('A:All')!.aborted).toBe(true);
    const next = h.nextCycle();
    await h.coordinator.resume();
    await next;
    expect(h.daemon().starts).toEqual(['A:All', 'A:All']);
    expect(h.daemon().signals.get('A:All')!.aborted).toBe(false);
    expect(h.distributor.count('tryAttainMany')).toBe(1);
  });
});

describe('improvement 5: denied locks and ownership are logged at debug', () => {
  it('logs each denied set with its lock id and one summary per cycle', async () => {
    const sets = setsOf(['A', 'B']);
    const h = track(harness(sets));
    h.distributor.grantable = (set) => set.key === sets[0]!.key;
    await h.start();
    const denied = h.logger.lines.filter((line) => line.message === 'lock denied');
    expect(denied).toEqual([{ level: 'debug', message: 'lock denied', context: expect.objectContaining({ lockId: 1001 }) }]);
    await h.cycle();
    const summaries = h.logger.lines.filter((line) => line.message === 'coordinator cycle');
    expect(summaries).toHaveLength(2);
    expect(summaries[1]).toMatchObject({ level: 'debug', context: { owned: 1, ownedLockIds: [1000], attempted: 1, granted: 0 } });
  });
});

describe('improvement 6: graceful stop', () => {
  it('waits for agents at most stopDrainTimeout, then still releases and disposes', async () => {
    const h = harness(setsOf(['A']), { settings: { stopDrainTimeout: 50 }, configureDaemon: (d) => (d.hangStopAll = true) });
    await h.start();
    await h.coordinator.stop();
    expect(h.logger.lines.some((line) => line.message.includes('drain timeout'))).toBe(true);
    expect(h.distributor.count('releaseAll')).toBe(1);
    expect(h.distributor.disposed).toBe(true);
  });
});

describe('resilience', () => {
  it('an error building the distribution is logged and the loop goes on', async () => {
    const h = track(harness(setsOf(['A'])));
    h.distributor.buildError = new Error('tenant list unavailable');
    await h.start();
    expect(h.logger.lines.some((line) => line.level === 'error' && line.message.includes('distribution'))).toBe(true);
    expect(h.coordinator.status().lastError).toBe(h.distributor.buildError);
    h.distributor.buildError = undefined;
    await h.cycle();
    expect(h.daemon().starts).toEqual(['A:All']);
  });

  it('a failing batched attempt is retried next cycle', async () => {
    const h = track(harness(setsOf(['A'])));
    h.distributor.attemptError = new Error('connection refused');
    await h.start();
    expect(h.named('error')).toHaveLength(1);
    h.distributor.attemptError = undefined;
    await h.cycle();
    expect(h.coordinator.status().owned).toHaveLength(1);
  });

  it('a throwing event listener never breaks the loop', async () => {
    const h = track(harness(setsOf(['A', 'B'])));
    h.coordinator.on('agentStarted', () => {
      throw new Error('listener bug');
    });
    await h.start();
    expect(h.daemon().starts).toHaveLength(2);
    expect(h.logger.lines.filter((line) => line.message.includes('listener threw'))).toHaveLength(2);
  });

  it('disposes the daemon of a database that left the distribution', async () => {
    const other = { id: 'tenant-b' };
    const sets = [...setsOf(['A']), ...setsOf(['A'], other)];
    const h = track(harness(sets));
    await h.start();
    expect(h.created).toHaveLength(2);
    h.distributor.sets = sets.slice(0, 1);
    await h.cycle();
    expect(h.daemon('tenant-b').disposed).toBe(true);
    expect(h.daemon('tenant-b').stops).toEqual(['A:All']);
    expect(h.distributor.calls).toContain(`release(${sets[1]!.key})`);
    expect(h.coordinator.status().owned.map((set) => set.databaseId)).toEqual(['main']);
  });
});

describe('fencing and balancing seams', () => {
  it('asks the epoch source on every grant and hands the epoch to agents', async () => {
    let next = 41n;
    const asked: string[] = [];
    const sets = setsOf(['A']);
    const h = track(harness(sets, { epochs: { nextEpoch: async (set) => (asked.push(set.key), ++next) } }));
    await h.start();
    expect(h.daemon().contexts.get('A:All')?.epoch).toBe(42n);
    const again = h.nextCycle();
    h.distributor.lose(sets[0]!);
    await again;
    expect(h.daemon().contexts.get('A:All')?.epoch).toBe(43n);
    expect(asked).toEqual([sets[0]!.key, sets[0]!.key]);
    expect(h.coordinator.status().owned[0]?.epoch).toBe(43n);
  });

  it('a share-limit policy attains only up to its share and hands extras over (stop, then release)', async () => {
    let limit = 3;
    const sets = setsOf(['A', 'B', 'C', 'D', 'E']);
    const h = track(harness(sets, { policy: shareLimitPolicy(() => limit) }));
    await h.start();
    expect(h.coordinator.status().owned).toHaveLength(3);
    limit = 1;
    h.log.length = 0;
    await h.cycle();
    expect(h.coordinator.status().owned).toHaveLength(1);
    const released = h.log.filter((line) => line.startsWith('distributor.release('));
    expect(released).toHaveLength(2);
    for (const line of released) {
      const key = line.slice('distributor.release('.length, -1);
      const shard = sets.find((set) => set.key === key)!.names[0]!.identity;
      expect(h.log.indexOf(`daemon.stop(${shard})`)).toBeLessThan(h.log.indexOf(line));
    }
  });
});
