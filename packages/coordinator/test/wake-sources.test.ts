import { describe, expect, it } from 'vitest';
import type { LockRoundTripEvent } from '@polecat/distributors';
import type { Coordination } from '../src/internal/coordination';
import { subscribeWakeSources } from '../src/internal/loop/wake-sources';
import { TypedEmitter } from '../src/internal/typed-emitter';
import type { CoordinatorEvents } from '../src/coordinator-events';
import { ManualClock, recordingLogger } from './fakes/fixtures';

/** A source of `name` events that counts its listeners. */
function source<T>() {
  const listeners = new Set<(payload: T) => void>();
  return {
    listeners,
    subscribe: (listener: (payload: T) => void): (() => void) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    fire: (payload: T): void => {
      for (const listener of [...listeners]) listener(payload);
    },
  };
}

describe('the loop wake sources', () => {
  it('subscribe once to every source and drop them all with one disposer; operations hear notices (with their reason) and round trips from there', async () => {
    const lost = source<unknown>();
    const notices = source<{ reason: string } | undefined>();
    const left = source<string>();
    const roundTrips = source<LockRoundTripEvent>();
    const intents = source<undefined>();
    const heard: string[] = [];
    const clock = new ManualClock();
    const logger = recordingLogger();
    const events = new TypedEmitter<CoordinatorEvents>(logger);
    events.on('memberLeft', ({ databaseId }) => heard.push(`memberLeft event ${databaseId}`));
    let wakes = 0;
    const c = {
      distributor: {
        onSetsLost: lost.subscribe,
        onReleaseNotice: notices.subscribe,
        onMemberLeft: left.subscribe,
        onLockRoundTrip: roundTrips.subscribe,
      },
      operations: {
        releaseNoticed: (reason?: string) => heard.push(`notice ${reason ?? '-'}`),
        lockRoundTrip: (event: LockRoundTripEvent) => heard.push(`round trip ${event.databaseId}`),
      },
      intentSource: { read: async () => ({ paused: new Set<string>(), draining: false }), onChange: intents.subscribe },
      events,
      logger,
      clock,
      wake: () => void (wakes += 1),
    } as unknown as Coordination;

    const dispose = subscribeWakeSources(c);
    const all = [lost, notices, left, roundTrips, intents];
    expect(all.map((s) => s.listeners.size)).toEqual([1, 1, 1, 1, 1]);

    left.fire('main');
    expect(wakes).toBe(1);
    intents.fire(undefined);
    expect(wakes).toBe(2);
    notices.fire({ reason: 'stopped' });
    notices.fire(undefined);
    roundTrips.fire({ databaseId: 'main', operation: 'attain', durationMs: 1 } as LockRoundTripEvent);
    await new Promise((resolve) => setTimeout(resolve, 50)); // a burst of notices: one coalesced wake-up (5 ms)
    expect(wakes).toBe(3);
    expect(heard).toEqual(['memberLeft event main', 'notice stopped', 'notice -', 'round trip main']);

    dispose();
    expect(all.map((s) => s.listeners.size)).toEqual([0, 0, 0, 0, 0]);
  });
});
