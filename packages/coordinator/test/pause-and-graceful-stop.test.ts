import { describe, expect, it } from 'vitest';
import { disposeAfterEach } from './fakes/dispose-after-each';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const track = disposeAfterEach();

describe('pause releases the locks (configurable)', () => {
  it('keeps the locks with releaseLocksOnPause false and restarts agents on resume without re-attempting', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets, { settings: { releaseLocksOnPause: false } }));
    await h.start();
    await h.coordinator.pause();
    expect(h.distributor.count('releaseAll')).toBe(0);
    expect(h.distributor.held.has(sets[0]!.key)).toBe(true);
    expect(h.daemon().signals.get('A:All')!.aborted).toBe(true);
    const next = h.nextCycle();
    await h.coordinator.resume();
    await next;
    expect(h.daemon().starts).toEqual(['A:All', 'A:All']);
    expect(h.daemon().signals.get('A:All')!.aborted).toBe(false);
    expect(h.distributor.count('tryAttainMany')).toBe(1);
  });
});
describe('graceful stop', () => {
  it('waits for agents at most stopDrainTimeoutMs, then still releases and disposes', async () => {
    const h = harness(setsOf(['A']), { settings: { stopDrainTimeoutMs: 50 }, configureDaemon: (d) => (d.hangStopAll = true) });
    await h.start();
    await h.coordinator.stop();
    expect(h.logger.lines.some((line) => line.message.includes('drain timeout'))).toBe(true);
    expect(h.distributor.count('releaseAll')).toBe(1);
    expect(h.distributor.disposed).toBe(true);
  });
});
