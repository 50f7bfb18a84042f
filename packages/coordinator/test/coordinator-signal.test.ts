import { describe, expect, it } from 'vitest';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { FakeDaemon } from './fakes/fake-daemon';
import { FakeDistributor } from './fakes/fake-distributor';
import { setsOf } from './fakes/fixtures';

describe('ProjectionCoordinator with an AbortSignal', () => {
  it('an already-aborted signal stops it at once and still disposes the distributor it was given', async () => {
    const distributor = new FakeDistributor(setsOf(['Trip', 'Day']));
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor,
      daemonFor: (database) => new FakeDaemon(database, []),
      signal: AbortSignal.abort(),
    });
    await coordinator.whenStopped({ timeoutMs: 5_000 });
    expect(distributor.disposed).toBe(true);
    expect(distributor.count('tryAttainMany')).toBe(0);
    await expect(coordinator.start()).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('aborting the signal stops it; stopping first detaches the listener from a long-lived signal', async () => {
    const lifetime = new AbortController();
    const removed: string[] = [];
    const signal = lifetime.signal;
    const remove = signal.removeEventListener.bind(signal);
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      removed.push(args[0]);
      remove(...args);
    }) as typeof signal.removeEventListener;
    const distributor = new FakeDistributor(setsOf(['Trip']));
    const coordinator = new ProjectionCoordinator({ mode: 'HotCold', distributor, daemonFor: (database) => new FakeDaemon(database, []), signal });
    await coordinator.stop();
    expect(removed).toEqual(['abort']);

    const controller = new AbortController();
    const third = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new FakeDistributor(setsOf(['Trip'])),
      daemonFor: (database) => new FakeDaemon(database, []),
      signal: controller.signal,
    });
    await third.start();
    controller.abort();
    await third.whenStopped({ timeoutMs: 5_000 });
    expect(third.state).toBe('stopped');
  });
});
