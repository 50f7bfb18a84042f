import { describe, expect, it } from 'vitest';
import { CoordinatorError } from '../src/coordinator-error';
import { disposeAfterEach } from './fakes/dispose-after-each';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const track = disposeAfterEach();

describe('a start failure backs off per set, logged with its cause', () => {
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
