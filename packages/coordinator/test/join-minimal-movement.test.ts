import { InMemoryLockServer } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory, type AgentContext } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';

const coordinators: ProjectionCoordinator[] = [];
afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('minimal movement: a join moves only the sets the joiner’s share needs (issue 22)', () => {
  it('a node joining next to members on slots 1 and 2 (slot 0 free) ranks last: 10 sets on 5/5 become 4/3/3 with 3 moves', async () => {
    const server = new InMemoryLockServer();
    const shards = Array.from({ length: 10 }, (_, i) => shardName(`P${i}`));
    const running = new Map<string, string>();
    let overlaps = 0;
    const agent =
      (node: string) =>
      async ({ signal, shard }: AgentContext): Promise<void> => {
        if (running.has(shard.identity)) overlaps++;
        running.set(shard.identity, node);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        running.delete(shard.identity);
      };
    const acquired: string[] = [];
    const make = (node: string): ProjectionCoordinator => {
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({
          databases: [{ id: 'main' }],
          shards,
          random: () => 0, // a random pick takes the lowest free slot
          createLock: () => server.createLock({ owner: node }),
        }),
        daemonFor: createFunctionDaemonFactory(() => agent(node)),
        settings: { leadershipPollingTimeMs: 20, takeoverPollingTimeMs: 20, takeoverGraceMs: 0 },
      });
      coordinator.on('lockAcquired', ({ set }) => acquired.push(`${node}:${set.key}`));
      coordinators.push(coordinator);
      return coordinator;
    };
    const owned = (c: ProjectionCoordinator): number => c.status().owned.length;
    const x = make('x');
    await x.start(); // slot 0
    await x.whenOwned(() => owned(x) === 10, { timeoutMs: 10_000 });
    const a = make('a');
    await a.start(); // slot 1
    await a.whenOwned(() => owned(a) === 5 && owned(x) === 5, { timeoutMs: 10_000 });
    const c = make('c');
    await c.start(); // slot 2
    await c.whenOwned(() => owned(x) + owned(a) + owned(c) === 10 && owned(c) === 3 && owned(a) === 3, { timeoutMs: 10_000 });
    await x.stop(); // slot 0 free; a and c share the 10 sets 5/5
    await a.whenOwned(() => owned(a) === 5 && owned(c) === 5 && running.size === 10, { timeoutMs: 10_000 });
    await sleep(300);
    acquired.length = 0;

    const d = make('d');
    await d.start();
    await d.whenOwned(() => owned(d) >= 3 && owned(a) + owned(c) + owned(d) === 10 && running.size === 10, { timeoutMs: 10_000 });
    await sleep(500); // more cycles: nothing else moves
    expect(owned(a) + owned(c) + owned(d)).toBe(10);
    expect([owned(a), owned(c), owned(d)].sort()).toEqual([3, 3, 4]);
    expect(owned(d)).toBe(3); // the joiner ranks last: the extra set stays with a member already there
    expect(acquired).toHaveLength(3); // the minimum: the joiner's share
    expect(overlaps).toBe(0);
  });
});
