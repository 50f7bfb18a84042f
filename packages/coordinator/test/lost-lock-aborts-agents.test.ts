import { LockLostError } from '@polecat/app-lock';
import type { ProjectionSet } from '@polecat/distributors';
import { describe, expect, it } from 'vitest';
import { disposeAfterEach } from './fakes/dispose-after-each';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const track = disposeAfterEach();

describe('a lost lock aborts its agents at once', () => {
  it('stops the set agents, emits lockLost and wakes the loop without waiting for the poll', async () => {
    const sets = setsOf(['A', 'B']);
    const h = track(harness(sets)); // polling is one hour
    await h.start();
    const lost = new Promise<{ set: ProjectionSet; error: LockLostError }>((resolve) => h.coordinator.on('lockLost', resolve));
    h.distributor.grantable = () => false; // someone else takes it meanwhile
    const next = h.nextCycle();
    const error = h.distributor.lose(sets[0]!);
    expect(h.daemon().signals.get('A:All')!.aborted).toBe(true);
    expect(h.daemon().signals.get('A:All')!.reason).toBe(error);
    const event = await lost;
    expect(event.set.key).toBe(sets[0]!.key);
    expect(LockLostError.isLockLost(event.error)).toBe(true);
    expect(h.daemon().stops).toEqual(['A:All']);
    await next; // woken: re-attempts promptly
    expect(h.distributor.calls.at(-1)).toBe(`tryAttainMany(${sets[0]!.key})`);
    expect(h.coordinator.status().owned.map((set) => set.key)).toEqual([sets[1]!.key]);
  });

  it('re-attains a lost set on the woken cycle when it is free again', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets));
    await h.start();
    const next = h.nextCycle();
    h.distributor.lose(sets[0]!);
    await next;
    expect(h.daemon().starts).toEqual(['A:All', 'A:All']);
    expect(h.named('lockAcquired')).toHaveLength(2);
  });
});
