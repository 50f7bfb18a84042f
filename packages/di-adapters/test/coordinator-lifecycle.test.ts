import { describe, expect, it } from 'vitest';
import { DiAdapterError, drainCoordinators, startCoordinators, type HostedCoordinator } from '../src/index';

function fake(name: string, log: string[], options: { failStart?: boolean; stop?: () => Promise<void> } = {}): HostedCoordinator {
  return {
    start: async () => {
      log.push(`start ${name}`);
      if (options.failStart) throw new Error(`${name} cannot start`);
    },
    stop: async () => {
      log.push(`stop ${name}`);
      await options.stop?.();
    },
  };
}

describe('startCoordinators / drainCoordinators', () => {
  it('a failed start stops the failing coordinator and those started before it, never the later ones', async () => {
    const log: string[] = [];
    const list = [fake('a', log), fake('b', log, { failStart: true }), fake('c', log)];
    await expect(startCoordinators(list)).rejects.toThrow('b cannot start');
    expect(log.slice(0, 2)).toEqual(['start a', 'start b']);
    expect(log.slice(2).sort()).toEqual(['stop a', 'stop b']);
  });

  it('collects stop errors without rejecting', async () => {
    const log: string[] = [];
    const result = await drainCoordinators([fake('a', log, { stop: () => Promise.reject(new Error('socket closed')) }), fake('b', log)]);
    expect(result.ok).toBe(false);
    expect(result.timedOut).toBe(false);
    expect(result.errors).toHaveLength(1);
  });

  it('reports a timeout as DRAIN_FAILED, and a late stop error does not change the returned result', async () => {
    const log: string[] = [];
    let fail!: (error: Error) => void;
    const late = new Promise<void>((_, reject) => (fail = reject));
    const result = await drainCoordinators([fake('slow', log, { stop: () => late })], 20);
    expect(result.timedOut).toBe(true);
    expect(result.errors).toHaveLength(1);
    expect(DiAdapterError.hasCode(result.errors[0], 'DRAIN_FAILED')).toBe(true);
    fail(new Error('late failure'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(result.errors).toHaveLength(1);
  });
});

describe('drainCoordinators with ProjectionCoordinator stop results', () => {
  it('a stop that resolves { drained: false } (agents past stopDrainTimeoutMs) is a DRAIN_FAILED error naming the sets', async () => {
    const undrained: HostedCoordinator = {
      start: () => {},
      stop: async () => ({ drained: false, draining: [{ key: 'default/123' }] }),
    };
    const drained: HostedCoordinator = { start: () => {}, stop: async () => ({ drained: true, draining: [] }) };
    const result = await drainCoordinators([undrained, drained]);
    expect(result.ok).toBe(false);
    expect(result.errors).toHaveLength(1);
    expect(DiAdapterError.hasCode(result.errors[0], 'DRAIN_FAILED')).toBe(true);
    expect((result.errors[0] as Error).message).toContain('default/123');
    expect((await drainCoordinators([drained])).ok).toBe(true);
  });

  it('a real coordinator whose agent ignores its signal past stopDrainTimeoutMs fails the drain', async () => {
    const { InMemoryLockServer } = await import('@polecat/app-lock');
    const { createProjectionCoordinator } = await import('../src/index');
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => (release = resolve));
    const coordinator = createProjectionCoordinator('HotCold', {
      shards: { Trip: () => stuck }, // ignores its signal
      createLock: () => new InMemoryLockServer().createLock(),
      settings: { leadershipPollingTimeMs: 50, stopDrainTimeoutMs: 100 },
      random: () => 0,
    });
    await coordinator.start();
    await coordinator.whenOwned(1, { timeoutMs: 5000 });
    const result = await drainCoordinators([coordinator]);
    release();
    expect(result.ok).toBe(false);
    expect(DiAdapterError.hasCode(result.errors[0], 'DRAIN_FAILED')).toBe(true);
  });
});
