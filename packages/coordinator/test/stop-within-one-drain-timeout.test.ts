import { InMemoryLockServer } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory, type AgentContext } from '../src/function-agent-daemon';
import type { OwnershipIntentSource, OwnershipIntents } from '../src/ownership-intents';
import { ProjectionCoordinator } from '../src/projection-coordinator';

const coordinators: ProjectionCoordinator[] = [];
afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stop() while a hand-over drains (issue 22, item 2)', () => {
  it('aborts every agent at once and completes within one stopDrainTimeoutMs, even when the cycle is waiting for a hand-over', async () => {
    const stopDrainTimeoutMs = 1000;
    const server = new InMemoryLockServer();
    const paused = new Set<string>();
    const listeners = new Set<() => void>();
    const intents: OwnershipIntentSource = {
      read: (): OwnershipIntents => ({ paused: new Set(paused), draining: false }),
      onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    };
    const abortedAt = new Map<string, number>();
    const agent = async ({ signal, shard }: AgentContext): Promise<void> => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      abortedAt.set(shard.identity, performance.now());
      // the handed-over shard's agent takes long to return (a batch to finish); the other returns at once
      if (shard.identity === 'Slow:All') await sleep(3000);
    };
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: 'main' }],
        shards: [shardName('Slow'), shardName('Other')],
        createLock: () => server.createLock({ owner: 'n1' }),
      }),
      daemonFor: createFunctionDaemonFactory(() => agent),
      settings: { leadershipPollingTimeMs: 50, takeoverPollingTimeMs: 25, takeoverGraceMs: 0, stopDrainTimeoutMs },
      ownershipIntents: intents,
    });
    coordinators.push(coordinator);
    await coordinator.start();
    await coordinator.whenOwned((status) => status.owned.length === 2, { timeoutMs: 10_000 });

    paused.add('Slow:All'); // handed over: its agent is aborted and the hand-over drains (3 s)
    for (const listener of listeners) listener();
    // (polled: a status waiter looks only when a cycle ends, and this cycle may be waiting for the hand-over)
    while (!abortedAt.has('Slow:All')) await sleep(5);
    await sleep(100); // a cycle that awaits the hand-over is still waiting now
    expect(coordinator.status().draining.map((drain) => drain.shards)).toEqual([['Slow:All']]);

    const stopAt = performance.now();
    await coordinator.stop();
    const tookMs = performance.now() - stopAt;
    expect(abortedAt.get('Other:All')! - stopAt).toBeLessThan(100); // aborted at once, not after the cycle
    expect(tookMs).toBeLessThan(stopDrainTimeoutMs + 150);
  });
});
