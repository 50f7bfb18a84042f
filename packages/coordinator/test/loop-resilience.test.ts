import { describe, expect, it } from 'vitest';
import { disposeAfterEach } from './fakes/dispose-after-each';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const track = disposeAfterEach();

describe('the loop goes on after failures', () => {
  it('an error building the distribution is logged and the loop goes on', async () => {
    const h = track(harness(setsOf(['A'])));
    h.distributor.buildError = new Error('tenant list unavailable');
    await h.start();
    expect(h.logger.lines.some((line) => line.level === 'error' && line.message.includes('distribution'))).toBe(true);
    expect(h.coordinator.status().lastError).toBe(h.distributor.buildError);
    h.distributor.buildError = undefined;
    await h.cycle();
    expect(h.daemon().starts).toEqual(['A:All']);
  });

  it('a failing batched attempt is retried next cycle', async () => {
    const h = track(harness(setsOf(['A'])));
    h.distributor.attemptError = new Error('connection refused');
    await h.start();
    expect(h.named('error')).toHaveLength(1);
    h.distributor.attemptError = undefined;
    await h.cycle();
    expect(h.coordinator.status().owned).toHaveLength(1);
  });

  it('a throwing event listener never breaks the loop', async () => {
    const h = track(harness(setsOf(['A', 'B'])));
    h.coordinator.on('agentStarted', () => {
      throw new Error('listener bug');
    });
    await h.start();
    expect(h.daemon().starts).toHaveLength(2);
    expect(h.logger.lines.filter((line) => line.message.includes('listener threw'))).toHaveLength(2);
  });

  it('disposes the daemon of a database that left the distribution', async () => {
    const other = { id: 'tenant-b' };
    const sets = [...setsOf(['A']), ...setsOf(['A'], other)];
    const h = track(harness(sets));
    await h.start();
    expect(h.created).toHaveLength(2);
    h.distributor.sets = sets.slice(0, 1);
    await h.cycle();
    expect(h.daemon('tenant-b').disposed).toBe(true);
    expect(h.daemon('tenant-b').stops).toEqual(['A:All']);
    expect(h.distributor.calls).toContain(`release(${sets[1]!.key})`);
    expect(h.coordinator.status().owned.map((set) => set.databaseId)).toEqual(['main']);
  });
});
