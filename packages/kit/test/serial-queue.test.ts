import { describe, expect, it } from 'vitest';
import { SerialQueue } from '../src/index';

describe('SerialQueue', () => {
  it('starts each operation only after the previous one settled, in call order', async () => {
    const queue = new SerialQueue();
    const events: string[] = [];
    let finishFirst: () => void = () => {};
    const first = queue.run(async () => {
      events.push('first started');
      await new Promise<void>((resolve) => (finishFirst = resolve));
      events.push('first finished');
    });
    const second = queue.run(async () => {
      events.push('second started');
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(events).toEqual(['first started']);
    finishFirst();
    await Promise.all([first, second]);
    expect(events).toEqual(['first started', 'first finished', 'second started']);
  });

  it('rejects with the failing operation error and still runs the next one', async () => {
    const queue = new SerialQueue();
    const failing = queue.run(() => Promise.reject(new Error('broken')));
    const next = queue.run(() => Promise.resolve('ran'));
    await expect(failing).rejects.toThrow('broken');
    await expect(next).resolves.toBe('ran');
  });
});
