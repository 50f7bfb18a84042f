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

describe('a takeover never waits for an unrelated drain (issue 22, item 3)', () => {
  it('a survivor takes a freed set at once while its own hand-over of another set still drains', async () => {
    const server = new InMemoryLockServer();
    const paused = new Set<string>();
    const listeners = new Set<() => void>();
    const intents: OwnershipIntentSource = {
      read: (): OwnershipIntents => ({ paused: new Set(paused), draining: false }),
      onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    };
    const runningOn = new Map<string, string>();
    let overlaps = 0;
    const agent =
      (node: string) =>
      async ({ signal, shard }: AgentContext): Promise<void> => {
        if (runningOn.has(shard.identity)) overlaps++;
        runningOn.set(shard.identity, node);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        if (node === 'x') await sleep(2500); // x's agents take 2.5 s to return
        runningOn.delete(shard.identity);
      };
    const acquiredAt = new Map<string, number>();
    const make = (node: string): ProjectionCoordinator => {
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({
          databases: [{ id: 'main' }],
          shards: [shardName('A'), shardName('B')],
          random: () => 0,
          createLock: () => server.createLock({ owner: node }),
        }),
        daemonFor: createFunctionDaemonFactory(() => agent(node)),
        settings: { leadershipPollingTimeMs: 50, takeoverPollingTimeMs: 25, takeoverGraceMs: 0, stopDrainTimeoutMs: 5000 },
        ownershipIntents: intents,
      });
      coordinator.on('lockAcquired', ({ set }) => acquiredAt.set(`${node} ${set.names[0]!.identity}`, performance.now()));
      coordinators.push(coordinator);
      return coordinator;
    };
    const x = make('x');
    await x.start();
    await x.whenOwned((status) => status.owned.length === 2, { timeoutMs: 10_000 });
    const y = make('y');
    await y.start();
    await y.whenOwned((status) => status.owned.length === 1 && runningOn.size === 2, { timeoutMs: 10_000 });
    const kept = x.status().owned[0]!.shards[0]!;
    const other = y.status().owned[0]!.shards[0]!;

    paused.add(kept); // x hands it over: its agent takes 2.5 s to return
    for (const listener of listeners) listener();
    // (polled: a status waiter looks only when a cycle ends, and this cycle may be waiting for the hand-over)
    while (x.status().draining.length === 0) await sleep(5);
    await sleep(100);

    await y.stop(); // y's set is free now (its agent returned at once)
    const freedAt = performance.now();
    await x.whenOwned((status) => status.owned.some((set) => set.shards.includes(other)), { timeoutMs: 10_000 });
    expect(acquiredAt.get(`x ${other}`)! - freedAt).toBeLessThan(500); // not after x's 2.5 s drain
    expect(x.status().draining.map((drain) => drain.shards)).toEqual([[kept]]); // that drain still runs
    expect(overlaps).toBe(0);
  });
});
