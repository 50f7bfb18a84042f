import { describe, expect, it } from 'vitest';
import type { CoordinatorEvents } from '../src/coordinator-events';
import { harness } from './fakes/harness';
import { setsOf } from './fakes/fixtures';

describe('coordinator events', () => {
  it('once delivers the next event only; off removes a listener added with on or once', async () => {
    const h = harness(setsOf(['Trip']));
    const onceSeen: number[] = [];
    const onSeen: number[] = [];
    const removed: number[] = [];
    h.coordinator.once('cycle', ({ owned }) => onceSeen.push(owned));
    const listener = ({ owned }: CoordinatorEvents['cycle']): void => void onSeen.push(owned);
    h.coordinator.on('cycle', listener);
    const never = (): void => void removed.push(1);
    h.coordinator.once('cycle', never);
    h.coordinator.off('cycle', never);
    await h.start();
    await h.cycle();
    h.coordinator.off('cycle', listener);
    await h.cycle();
    expect(onceSeen).toEqual([1]);
    expect(onSeen).toEqual([1, 1]);
    expect(removed).toEqual([]);
    await h.coordinator.stop();
  });

  it('once returns a disposer that cancels it before the event', async () => {
    const h = harness(setsOf(['Trip']));
    const seen: unknown[] = [];
    const dispose = h.coordinator.once('lockAcquired', (event) => seen.push(event));
    dispose();
    await h.start();
    expect(h.named('lockAcquired')).toHaveLength(1);
    expect(seen).toEqual([]);
    await h.coordinator.stop();
  });

  it('stop resolves with plain data; whenSettled resolves once the stop has ended', async () => {
    const h = harness(setsOf(['Trip']));
    await h.start();
    const settled = h.coordinator.whenSettled();
    const result = await h.coordinator.stop();
    expect(JSON.parse(JSON.stringify(result))).toEqual({ drained: true, draining: [] });
    await settled;
    expect(h.distributor.disposed).toBe(true);
  });
});
