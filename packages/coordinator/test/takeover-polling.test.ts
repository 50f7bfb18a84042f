import { describe, expect, it } from 'vitest';
import { CONTENTION_RETRY_MS } from '../src/internal/loop/next-sleep';
import { harness } from './fakes/harness';
import { setsOf } from './fakes/fixtures';

describe('takeoverPollingTimeMs', () => {
  it('polls at the takeover rate while some attempted set is denied', async () => {
    const sets = setsOf(['Trip', 'Day']);
    const h = harness(sets, { settings: { takeoverPollingTimeMs: 321 } });
    h.distributor.grantable = (set) => set.key === sets[0]!.key;
    await h.start();
    const cycle = await h.cycle();
    expect(cycle.attempted).toBe(1);
    expect(cycle.granted).toBe(0);
    expect(cycle.sleepMs).toBe(321);
    await h.coordinator.stop();
  });

  it('looks again after CONTENTION_RETRY_MS when a cycle won some attempted sets and lost others', async () => {
    const sets = setsOf(['Trip', 'Day', 'Week']);
    const h = harness(sets, { settings: { takeoverPollingTimeMs: 321 } });
    h.distributor.grantable = (set) => set.key !== sets[2]!.key; // another node won Week at the same moment
    await h.start();
    const first = h.named('cycle')[0] as { attempted: number; granted: number; sleepMs: number };
    expect(first).toMatchObject({ attempted: 3, granted: 2, sleepMs: CONTENTION_RETRY_MS });
    // no progress (all denied) never re-polls fast: back to the takeover rate
    const next = await h.cycle();
    expect(next).toMatchObject({ attempted: 1, granted: 0, sleepMs: 321 });
    await h.coordinator.stop();
  });

  it('keeps the slow leadership poll once it holds everything it attempts', async () => {
    const sets = setsOf(['Trip', 'Day']);
    const h = harness(sets, { settings: { takeoverPollingTimeMs: 321 } });
    await h.start();
    const cycle = await h.cycle();
    expect(h.coordinator.status().owned).toHaveLength(2);
    expect(cycle.attempted).toBe(0);
    expect(cycle.sleepMs).toBe(3_600_000);
    await h.coordinator.stop();
  });

  it('defaults to 500 ms and rejects 0', async () => {
    const { resolveCoordinatorSettings } = await import('../src/coordinator-settings');
    expect(resolveCoordinatorSettings().takeoverPollingTimeMs).toBe(500);
    expect(() => resolveCoordinatorSettings({ takeoverPollingTimeMs: 0 })).toThrow(/takeoverPollingTimeMs/);
  });
});
