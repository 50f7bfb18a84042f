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
