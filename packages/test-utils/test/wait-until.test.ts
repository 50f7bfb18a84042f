import { describe, expect, it } from 'vitest';
import { waitUntil } from '../src/index';

describe('waitUntil', () => {
  it('resolves once the check turns true', async () => {
    let asked = 0;
    await waitUntil(() => ++asked >= 3, 'the third question', { intervalMs: 1 });
    expect(asked).toBe(3);
  });

  it('rejects naming what it waited for once the timeout passed', async () => {
    await expect(waitUntil(() => false, 'a miracle', { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow('timed out waiting for a miracle');
  });
});
