import { describe, expect, it } from 'vitest';
import { systemClock } from '../src/index';

describe('systemClock', () => {
  it('reads the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('sleeps for about the given time', async () => {
    const startedAt = performance.now();
    await systemClock.sleep(20);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(15);
  });

  it('rejects with an AbortError carrying the signal reason when aborted first (also unref-ed)', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal, { ref: false });
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError', cause: reason });
  });
});
