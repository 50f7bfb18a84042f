import { describe, expect, it, vi } from 'vitest';
import { CoordinatorError } from '../src/coordinator-error';
import type { CoordinatorStatus } from '../src/coordinator-status';
import { StatusWaiters } from '../src/internal/status-waiters';

const status = (owned: number): CoordinatorStatus =>
  ({ mode: 'HotCold', state: 'running', owned: Array.from({ length: owned }) as never, cycles: 0, backingOff: {} }) as unknown as CoordinatorStatus;

describe('StatusWaiters (whenOwned / whenStopped)', () => {
  it('rejects with TIMEOUT after timeoutMs (default 30 s: a test awaiter)', async () => {
    vi.useFakeTimers();
    try {
      const waiters = new StatusWaiters(() => status(0));
      const short = waiters.wait(() => false, 'owning 1 sets', { timeoutMs: 100 }).catch((e: unknown) => e);
      const byDefault = waiters.wait(() => false, 'owning 1 sets').catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(100);
      expect(CoordinatorError.hasCode(await short, 'TIMEOUT')).toBe(true);
      await vi.advanceTimersByTimeAsync(29_899);
      let settled = false;
      void byDefault.then(() => (settled = true));
      await Promise.resolve();
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(CoordinatorError.hasCode(await byDefault, 'TIMEOUT')).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('timeoutMs: Infinity never times out (a standby may own nothing for ever); the signal still ends it', async () => {
    vi.useFakeTimers();
    try {
      let owned = 0;
      const waiters = new StatusWaiters(() => status(owned));
      const controller = new AbortController();
      const forever = waiters.wait((s) => s.owned.length > 0, 'owning 1 sets', { timeoutMs: Infinity, signal: controller.signal }).catch((e: unknown) => e);
      const resolved = waiters.wait((s) => s.owned.length > 0, 'owning 1 sets', { timeoutMs: Infinity });
      await vi.advanceTimersByTimeAsync(10 * 24 * 3_600_000); // ten days
      const reason = new Error('shutting down');
      controller.abort(reason);
      expect(await forever).toBe(reason);
      owned = 1;
      waiters.notify();
      await vi.advanceTimersByTimeAsync(1);
      expect((await resolved).owned).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
