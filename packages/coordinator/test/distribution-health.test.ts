import { describe, expect, it } from 'vitest';
import { disposeAfterEach } from './fakes/dispose-after-each';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const track = disposeAfterEach();

describe('health covers a node that can do nothing', () => {
  it('is unhealthy (DISTRIBUTION_FAILING) while building the distribution fails, healthy once it works again', async () => {
    const h = track(harness(setsOf(['A'])));
    h.distributor.buildError = new Error('tenant table missing');
    await h.start();
    const health = h.coordinator.health();
    expect(health.status).toBe('unhealthy');
    expect(health.reasons).toEqual([
      expect.objectContaining({ code: 'DISTRIBUTION_FAILING', message: expect.stringContaining('tenant table missing'), count: 1 }),
    ]);
    h.distributor.buildError = undefined;
    await h.cycle();
    expect(h.coordinator.health().status).toBe('healthy');
  });

  it('is degraded (NOTHING_TO_OWN) while the distribution is empty', async () => {
    const h = track(harness([]));
    await h.start();
    expect(h.coordinator.health()).toMatchObject({ status: 'degraded', reasons: [expect.objectContaining({ code: 'NOTHING_TO_OWN' })] });
  });
});
