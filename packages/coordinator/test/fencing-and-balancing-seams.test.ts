import { describe, expect, it } from 'vitest';
import { DEFAULT_COORDINATOR_SETTINGS } from '../src/coordinator-settings';
import { settleWindowMs } from '../src/internal/loop/settle-window';
import { shareLimitPolicy } from '../src/ownership-policy';
import { disposeAfterEach } from './fakes/dispose-after-each';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const track = disposeAfterEach();

describe('fencing and balancing seams', () => {
  it('asks the epoch source on every grant and hands the epoch to agents', async () => {
    let next = 41n;
    const asked: string[] = [];
    const sets = setsOf(['A']);
    const h = track(harness(sets, { epochs: { nextEpoch: async (set) => (asked.push(set.key), ++next) } }));
    await h.start();
    expect(h.daemon().contexts.get('A:All')?.epoch).toBe(42n);
    const again = h.nextCycle();
    h.distributor.lose(sets[0]!);
    await again;
    expect(h.daemon().contexts.get('A:All')?.epoch).toBe(43n);
    expect(asked).toEqual([sets[0]!.key, sets[0]!.key]);
    expect(h.coordinator.status().owned[0]?.epoch).toBe(43n);
  });

  it('a share-limit policy attains only up to its share and hands extras over (stop, then release)', async () => {
    let limit = 3;
    const sets = setsOf(['A', 'B', 'C', 'D', 'E']);
    const h = track(harness(sets, { policy: shareLimitPolicy(() => limit) }));
    await h.start();
    expect(h.coordinator.status().owned).toHaveLength(3);
    limit = 1;
    h.clock.advance(settleWindowMs(DEFAULT_COORDINATOR_SETTINGS)); // sets just taken are not moved on (settle window)
    h.log.length = 0;
    await h.cycle();
    expect(h.coordinator.status().owned).toHaveLength(1);
    const released = h.log.filter((line) => line.startsWith('distributor.release('));
    expect(released).toHaveLength(2);
    for (const line of released) {
      const key = line.slice('distributor.release('.length, -1);
      const shard = sets.find((set) => set.key === key)!.names[0]!.identity;
      expect(h.log.indexOf(`daemon.stop(${shard})`)).toBeLessThan(h.log.indexOf(line));
    }
  });
});
