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

/** The intents every node reads (an operator's table), with a bell that wakes every loop. */
class SharedIntents {
  readonly paused = new Set<string>();
  readonly #listeners = new Set<() => void>();
  source(): OwnershipIntentSource {
    return {
      read: (): OwnershipIntents => ({ paused: new Set(this.paused), draining: false }),
      onChange: (listener) => {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
      },
    };
  }
  pause(identity: string): void {
    this.paused.add(identity);
    for (const listener of this.#listeners) listener();
  }
}

describe('a pause moves only what it names (issue 22, item 5)', () => {
  it('pausing one shard on each of 3 balanced nodes (12 shards) stops exactly those shards: no other set is released or taken', async () => {
    const server = new InMemoryLockServer();
    const shards = Array.from({ length: 12 }, (_, i) => shardName(`P${String(i).padStart(2, '0')}`));
    const runningOn = new Map<string, string>();
    let overlaps = 0;
    const agent =
      (node: string) =>
      async ({ signal, shard }: AgentContext): Promise<void> => {
        if (runningOn.has(shard.identity)) overlaps++;
        runningOn.set(shard.identity, node);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        runningOn.delete(shard.identity);
      };
    const intents = new SharedIntents();
    const moves: string[] = [];
    const nodes = ['n1', 'n2', 'n3'].map((node) => {
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({ databases: [{ id: 'main' }], shards, createLock: () => server.createLock({ owner: node }) }),
        daemonFor: createFunctionDaemonFactory(() => agent(node)),
        settings: { leadershipPollingTimeMs: 50, takeoverPollingTimeMs: 25, takeoverGraceMs: 0 },
        ownershipIntents: intents.source(),
      });
      coordinator.on('lockAcquired', ({ set }) => moves.push(`${node} acquired ${set.lockId}`));
      coordinator.on('lockReleased', ({ set, reason }) => moves.push(`${node} released ${set.lockId} (${reason ?? '?'})`));
      coordinators.push(coordinator);
      return { node, coordinator };
    });
    const owned = (c: ProjectionCoordinator): number => c.status().owned.length;
    await Promise.all(nodes.map(({ coordinator }) => coordinator.start()));
    await nodes[0]!.coordinator.whenOwned(() => nodes.every(({ coordinator }) => owned(coordinator) === 4) && runningOn.size === 12, { timeoutMs: 10_000 });
    await sleep(300); // balanced and settled

    for (const { node, coordinator } of nodes) {
      moves.length = 0;
      const victim = coordinator.status().owned[0]!;
      const identity = victim.shards[0]!;
      intents.pause(identity);
      await coordinator.whenOwned(() => !runningOn.has(identity) && !coordinator.status().owned.some((set) => set.key === victim.key), { timeoutMs: 10_000 });
      await sleep(500); // many cycles of every node: anything else that would move has moved
      expect(moves, `pausing ${identity} on ${node}`).toEqual([`${node} released ${victim.lockId} (paused)`]);
    }
    expect(runningOn.size).toBe(9);
    expect(overlaps).toBe(0);
  });
});
