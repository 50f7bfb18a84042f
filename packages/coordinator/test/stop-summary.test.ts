// One stop prints ONE summary: a stop whose agent ignores its abort says so once (which agents,
// which sets keep their locks), not once per layer that noticed it.
import { InMemoryLockServer } from '@polecat/app-lock';
import { shardName, SingleTenantProjectionDistributor } from '@polecat/distributors';
import { recordingLogger } from '@polecat/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory, ProjectionCoordinator } from '../src/index';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let release: (() => void) | undefined;
afterEach(() => release?.());

describe('a stop prints one summary', () => {
  it('an agent that ignores its abort: one warning for the whole stop, naming the agent and the set', async () => {
    const logger = recordingLogger();
    const returned = new Promise<void>((resolve) => (release = resolve));
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: 'main' }],
        shards: [shardName('Stubborn'), shardName('Polite')],
        createLock: () => new InMemoryLockServer().createLock({ owner: 'n1' }),
        random: () => 0,
      }),
      daemonFor: createFunctionDaemonFactory(
        (shard) =>
          shard.name === 'Stubborn'
            ? () => returned // ignores its signal
            : async ({ signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
        { drainTimeoutMs: 100 },
      ),
      settings: { leadershipPollingTimeMs: 100, stopDrainTimeoutMs: 100 },
      logger,
    });
    await coordinator.start();
    await coordinator.whenOwned(2, { timeoutMs: 5_000 });
    const result = await coordinator.stop();
    expect(result.draining.map((drain) => drain.shards)).toEqual([['Stubborn:All']]);
    await sleep(400); // past the drain timeout several times: the watchdog would repeat itself
    release?.();
    await sleep(50);
    const loud = logger.lines.filter((line) => line.level === 'warn' || line.level === 'error');
    expect(
      loud.map((line) => line.message),
      logger.text(),
    ).toHaveLength(1);
    expect(logger.text()).toContain('Stubborn:All');
  });
});
