// An agent that fails on its own wakes the coordinator's loop: the failure is seen (and a stale
// fencing epoch handed over) at once, not at the next poll an hour later.
import { InMemoryLockServer } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory, FunctionAgentDaemon } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { mainDb, shard } from './fakes/fixtures';

const HOUR = 3_600_000;

describe('agent failure wakes the loop', () => {
  const coordinators: ProjectionCoordinator[] = [];
  afterEach(async () => {
    await Promise.all(coordinators.splice(0).map((coordinator) => coordinator.stop()));
  });

  it('FunctionAgentDaemon reports failures, not stops by the coordinator', async () => {
    const daemon = new FunctionAgentDaemon({
      database: mainDb,
      agents: {
        Fails: async () => Promise.reject(new Error('boom')),
        Runs: ({ signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
      },
    });
    const failed: string[] = [];
    const off = daemon.onAgentFailed((failedShard) => failed.push(failedShard.identity));
    await daemon.startAgent(shard('Fails'), { signal: new AbortController().signal });
    await daemon.startAgent(shard('Runs'), { signal: new AbortController().signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await daemon.stopAgent(shard('Runs'));
    expect(failed).toEqual(['Fails:All']);
    off();
    await daemon.dispose();
  });

  it('a failing agent is seen in the next cycle at once although polling is one hour', async () => {
    const server = new InMemoryLockServer();
    let runs = 0;
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: 'main' }],
        shards: [shardName('A')],
        createLock: () => server.createLock({ owner: 'n1' }),
      }),
      daemonFor: createFunctionDaemonFactory(() => async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 30));
        throw new Error('projection failed');
      }),
      settings: { leadershipPollingTimeMs: HOUR, takeoverPollingTimeMs: HOUR, agentPauseTimeMs: HOUR, takeoverGraceMs: 0 },
    });
    coordinators.push(coordinator);
    const paused = new Promise<unknown>((resolve) => coordinator.on('agentPaused', (event) => resolve(event.error)));
    await coordinator.start();
    const error = await Promise.race([paused, new Promise((_, reject) => setTimeout(() => reject(new Error('no cycle after the failure')), 5_000))]);
    expect(error).toBeInstanceOf(Error);
    expect(runs).toBe(1); // seen, not restarted: a paused agent waits healthCheckPollingTimeMs
  });
});
