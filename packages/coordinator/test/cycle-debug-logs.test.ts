import { describe, expect, it } from 'vitest';
import { disposeAfterEach } from './fakes/dispose-after-each';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const track = disposeAfterEach();

describe('denied locks and ownership are logged at debug', () => {
  it('logs each denied set with its lock id and one summary per cycle', async () => {
    const sets = setsOf(['A', 'B']);
    const h = track(harness(sets));
    h.distributor.grantable = (set) => set.key === sets[0]!.key;
    await h.start();
    const denied = h.logger.lines.filter((line) => line.message === 'lock denied');
    expect(denied).toEqual([{ level: 'debug', message: 'lock denied', context: expect.objectContaining({ lockId: 1001 }) }]);
    await h.cycle();
    const summaries = h.logger.lines.filter((line) => line.message === 'coordinator cycle');
    expect(summaries).toHaveLength(2);
    expect(summaries[1]).toMatchObject({ level: 'debug', context: { owned: 1, ownedLockIds: [1000], attempted: 1, granted: 0 } });
  });
});
