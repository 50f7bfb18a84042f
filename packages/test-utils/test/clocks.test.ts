import { describe, expect, it } from 'vitest';
import { ManualClock, SteppedClock, VirtualClock, recordingClock } from '../src/index';

describe('ManualClock', () => {
  it('moves now() only when advanced, while sleeps take real time', async () => {
    const clock = new ManualClock();
    expect(clock.now()).toBe(1_000_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_000_250);
    const startedAt = performance.now();
    await clock.sleep(20);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(15);
    expect(clock.now()).toBe(1_000_250);
  });

  it('rejects a sleep with the abort reason', async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(60_000, controller.signal);
    controller.abort('stopped');
    await expect(sleeping).rejects.toBe('stopped');
    await expect(clock.sleep(1, controller.signal)).rejects.toBe('stopped');
  });
});

describe('SteppedClock', () => {
  it('wakes a sleep only once advance passed its deadline', async () => {
    const clock = new SteppedClock();
    let woke = false;
    void clock.sleep(100).then(() => (woke = true));
    expect(clock.pending).toBe(1);
    clock.advance(99);
    await clock.flush();
    expect(woke).toBe(false);
    clock.advance(1);
    await clock.flush();
    expect(woke).toBe(true);
    expect(clock.pending).toBe(0);
    expect(clock.now()).toBe(100);
  });

  it('forgets an aborted sleep and rejects it with the reason', async () => {
    const clock = new SteppedClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(100, controller.signal);
    controller.abort('gone');
    await expect(sleeping).rejects.toBe('gone');
    expect(clock.pending).toBe(0);
  });
});

describe('VirtualClock', () => {
  it('wakes sleeps in deadline order, jumping now() to each deadline without waiting for it', async () => {
    using clock = new VirtualClock(0);
    const order: string[] = [];
    const startedAt = performance.now();
    await Promise.all([clock.sleep(60_000).then(() => order.push(`long@${clock.now()}`)), clock.sleep(10_000).then(() => order.push(`short@${clock.now()}`))]);
    expect(order).toEqual(['short@10000', 'long@60000']);
    expect(performance.now() - startedAt).toBeLessThan(5_000);
  });

  it('rejects an aborted sleep and never wakes it', async () => {
    using clock = new VirtualClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    controller.abort('stop');
    await expect(sleeping).rejects.toBe('stop');
  });
});

describe('recordingClock', () => {
  it('resolves sleeps at once and records their durations', async () => {
    const clock = recordingClock(42);
    await clock.sleep(100);
    await clock.sleep(200);
    expect(clock.sleeps).toEqual([100, 200]);
    expect(clock.now()).toBe(42);
  });

  it('rejects a sleep on an aborted signal without recording it', async () => {
    const clock = recordingClock();
    const controller = new AbortController();
    controller.abort(new Error('aborted'));
    await expect(clock.sleep(5, controller.signal)).rejects.toThrow('aborted');
    expect(clock.sleeps).toEqual([]);
  });
});
