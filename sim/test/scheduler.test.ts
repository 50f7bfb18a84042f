import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/prng';
import { Scheduler, SIM_EPOCH_MS } from '../src/scheduler';

describe('Scheduler', () => {
  it('advances time only after every microtask of a step has drained', async () => {
    const scheduler = new Scheduler();
    const clock = scheduler.clockFor('a');
    const seen: string[] = [];
    void clock.sleep(10).then(async () => {
      await Promise.resolve();
      await Promise.resolve();
      seen.push(`chain done at ${scheduler.elapsed}`);
    });
    void clock.sleep(11).then(() => seen.push(`second at ${scheduler.elapsed}`));
    await scheduler.runUntil(SIM_EPOCH_MS + 100);
    expect(seen).toEqual(['chain done at 10', 'second at 11']);
    expect(scheduler.elapsed).toBe(100);
  });

  it('lets go of a cancelled timer’s callback at once, though the timer stays queued until its time', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const scheduler = new Scheduler();
    const watch = (): WeakRef<object> => {
      const payload = { ids: Array.from({ length: 1000 }, (_, i) => `id-${i}`) };
      const cancel = scheduler.schedule('a', 60_000, () => payload.ids.push('fired'));
      cancel();
      return new WeakRef(payload);
    };
    const kept = watch();
    const live = scheduler.schedule('a', 60_000, () => undefined); // the queue itself stays alive
    // (a few turns and collections: how soon a WeakRef target is cleared after a full GC differs
    // between V8 versions; a scheduler that still held the callback would keep it alive in every one)
    for (let turn = 0; turn < 10 && kept.deref() !== undefined; turn += 1) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    expect(kept.deref()).toBeUndefined();
    live();
  });

  it('fires timers due at the same time in the order they were created', async () => {
    const scheduler = new Scheduler();
    const order: number[] = [];
    for (const n of [1, 2, 3]) scheduler.schedule('a', 5, () => order.push(n));
    scheduler.schedule('a', 1, () => order.push(0));
    await scheduler.runUntil(SIM_EPOCH_MS + 10);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('holds a frozen owner’s due timers until it thaws, and never fires a killed owner’s', async () => {
    const scheduler = new Scheduler();
    const fired: string[] = [];
    scheduler.schedule('frozen', 5, () => fired.push(`frozen at ${scheduler.elapsed}`));
    scheduler.schedule('killed', 5, () => fired.push('killed'));
    scheduler.freeze('frozen');
    scheduler.kill('killed');
    scheduler.schedule('other', 20, () => scheduler.thaw('frozen'));
    await scheduler.runUntil(SIM_EPOCH_MS + 50);
    expect(fired).toEqual(['frozen at 20']);
  });

  it('rejects a sleep with the signal’s reason when the signal aborts first', async () => {
    const scheduler = new Scheduler();
    const controller = new AbortController();
    const sleeping = scheduler.clockFor('a').sleep(100, controller.signal);
    scheduler.schedule('b', 10, () => controller.abort(new Error('stop')));
    const outcome = sleeping.then(
      () => 'resolved',
      (error: unknown) => `rejected: ${(error as Error).message} at ${scheduler.elapsed}`,
    );
    await scheduler.runUntil(SIM_EPOCH_MS + 200);
    expect(await outcome).toBe('rejected: stop at 10');
  });

  it('ends a run early when the step callback says so', async () => {
    const scheduler = new Scheduler();
    for (let i = 1; i <= 10; i++) scheduler.schedule('a', i * 10, () => undefined);
    await scheduler.runUntil(SIM_EPOCH_MS + 1000, () => scheduler.elapsed >= 30);
    expect(scheduler.elapsed).toBe(30);
    expect(scheduler.steps).toBe(3);
  });
});

describe('seededRandom', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const draw = (seed: number): number[] => {
      const random = seededRandom(seed);
      return Array.from({ length: 5 }, () => random.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    for (const value of draw(7)) expect(value >= 0 && value < 1).toBe(true);
  });
});
