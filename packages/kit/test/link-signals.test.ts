import { afterEach, describe, expect, it, vi } from 'vitest';
import { linkSignals } from '../src/index';

afterEach(() => {
  vi.useRealTimers();
});

describe('linkSignals', () => {
  it('aborts with the reason of the first source that aborts', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkSignals([a.signal, undefined, b.signal]);
    expect(linked.signal.aborted).toBe(false);
    b.abort('b went away');
    a.abort('too late');
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('b went away');
    expect(linked.timedOut()).toBe(false);
  });

  it('is aborted at once when a source already is', () => {
    const a = new AbortController();
    a.abort('already');
    const linked = linkSignals([a.signal], 1_000);
    expect(linked.signal.aborted).toBe(true);
    expect(linked.signal.reason).toBe('already');
  });

  it('aborts after the timeout and says so', () => {
    vi.useFakeTimers();
    const linked = linkSignals([new AbortController().signal], 50);
    vi.advanceTimersByTime(49);
    expect(linked.signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(linked.signal.aborted).toBe(true);
    expect(linked.timedOut()).toBe(true);
    expect(String((linked.signal.reason as Error).message)).toBe('timed out after 50 ms');
  });

  it('ignores a timeout of zero or none', () => {
    vi.useFakeTimers();
    expect(vi.getTimerCount()).toBe(0);
    linkSignals([], 0);
    linkSignals([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops following its sources and clears its timer once unlinked', () => {
    vi.useFakeTimers();
    const source = new AbortController();
    const linked = linkSignals([source.signal], 50);
    linked.unlink();
    expect(vi.getTimerCount()).toBe(0);
    source.abort('after unlink');
    vi.advanceTimersByTime(100);
    expect(linked.signal.aborted).toBe(false);
  });

  it('removes its listener from a long-lived source once unlinked', () => {
    const source = new AbortController();
    const remove = vi.spyOn(source.signal, 'removeEventListener');
    const linked = linkSignals([source.signal]);
    linked.unlink();
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });
});
