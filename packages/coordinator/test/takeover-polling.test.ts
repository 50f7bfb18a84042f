import { describe, expect, it } from 'vitest';
import { harness } from './fakes/harness';
import { setsOf } from './fakes/fixtures';

describe('takeoverPollingTime', () => {
  it('polls at the takeover rate while some attempted set is denied', async () => {
    const sets = setsOf(['Trip', 'Day']);
    const h = harness(sets, { settings: { takeoverPollingTime: 321 } });
    h.distributor.grantable = (set) => set.key === sets[0]!.key;
    await h.start();
    const cycle = await h.cycle();
    expect(cycle.attempted).toBe(1);
    expect(cycle.granted).toBe(0);
    expect(cycle.sleepMs).toBe(321);
    await h.coordinator.stop();
  });

  it('keeps the slow leadership poll once it holds everything it attempts', async () => {
    const sets = setsOf(['Trip', 'Day']);
    const h = harness(sets, { settings: { takeoverPollingTime: 321 } });
    await h.start();
    const cycle = await h.cycle();
    expect(h.coordinator.status().owned).toHaveLength(2);
    expect(cycle.attempted).toBe(0);
    expect(cycle.sleepMs).toBe(3_600_000);
    await h.coordinator.stop();
  });

  it('defaults to 500 ms and rejects 0', async () => {
    const { resolveCoordinatorSettings } = await import('../src/coordinator-settings');
    expect(resolveCoordinatorSettings().takeoverPollingTime).toBe(500);
    expect(() => resolveCoordinatorSettings({ takeoverPollingTime: 0 })).toThrow(/takeoverPollingTime/);
  });
});
