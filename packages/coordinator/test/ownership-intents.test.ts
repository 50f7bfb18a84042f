import { InMemoryLockServer } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName, type ProjectionSet, type ShardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_COORDINATOR_SETTINGS } from '../src/coordinator-settings';
import { createFunctionDaemonFactory, type AgentContext } from '../src/function-agent-daemon';
import { NO_OWNERSHIP_INTENTS, type OwnershipIntentSource, type OwnershipIntents } from '../src/ownership-intents';
import { withholdReason } from '../src/internal/loop/plan';
import { planCycle, type CycleInput } from '../src/internal/loop/plan-cycle';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { IntentReader } from '../src/internal/loop/intent-reader';
import { recordingLogger, setsOf } from './fakes/fixtures';

const keys = (sets: readonly { key: string }[]) => sets.map((set) => set.key);

function input(held: readonly ProjectionSet[], distribution: readonly ProjectionSet[], intents: OwnershipIntents): CycleInput {
  const heldKeys = new Set(held.map((set) => set.key));
  return {
    distribution,
    isHeld: (set) => heldKeys.has(set.key),
    tracked: held,
    agentState: (_set, s: ShardName) => ({ shard: s, status: 'Running' }),
    backoff: new Map(),
    now: 0,
    settings: DEFAULT_COORDINATOR_SETTINGS,
    withheld: (set) => withholdReason(intents, set),
  };
}

describe('planCycle with ownership intents', () => {
  const [a, b, c] = setsOf(['A', 'B', 'C']) as [ProjectionSet, ProjectionSet, ProjectionSet];

  it('hands a held paused set over, never attempts a free paused one, and offers neither to the policy (which still counts both)', () => {
    const seen: number[] = [];
    const plan = planCycle({
      ...input([a], [a, b, c], { paused: new Set(['A:All', b.key]), draining: false }),
      policy: { select: (context) => (seen.push(context.distribution.length), { attempt: context.candidates }) },
    });
    expect(plan.handOver).toEqual([{ set: a, reason: 'paused' }]);
    expect(keys(plan.attempt)).toEqual([c.key]);
    expect(plan.owned).toEqual([]);
    expect(seen).toEqual([3]); // shares do not shrink: a pause moves only what it names
  });

  it('a draining node hands every held set over and attempts nothing', () => {
    const plan = planCycle(input([a, b], [a, b, c], { paused: new Set(), draining: true }));
    expect(plan.handOver.map(({ set, reason }) => [set.key, reason])).toEqual([
      [a.key, 'draining'],
      [b.key, 'draining'],
    ]);
    expect(plan.attempt).toEqual([]);
    expect(plan.start).toEqual([]);
  });

  it('without intents nothing is withheld', () => {
    expect(withholdReason(NO_OWNERSHIP_INTENTS, a)).toBeUndefined();
    const plan = planCycle(input([a], [a, b], NO_OWNERSHIP_INTENTS));
    expect(plan.handOver).toEqual([]);
    expect(keys(plan.attempt)).toEqual([b.key]);
  });
});

/** An in-memory intent source: what an operator would write into the ops tables. */
class MutableIntents implements OwnershipIntentSource {
  paused = new Set<string>();
  draining = new Set<string>();
  failNext = false;
  readonly #listeners = new Set<() => void>();
  readonly node: string;
  readonly shared: { paused: Set<string>; draining: Set<string> };
  constructor(node: string, shared: { paused: Set<string>; draining: Set<string> }) {
    this.node = node;
    this.shared = shared;
  }
  read(): OwnershipIntents {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database down');
    }
    return { paused: new Set(this.shared.paused), draining: this.shared.draining.has(this.node) };
  }
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

const coordinators: ProjectionCoordinator[] = [];
afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
});

describe('three coordinators honour pause and drain intents (in-memory lock server)', () => {
  it('a paused shard runs nowhere and nobody holds its lock; drain empties a node; resume brings it back', async () => {
    const server = new InMemoryLockServer();
    const shards = Array.from({ length: 6 }, (_, i) => shardName(`P${i}`));
    const runningOn = new Map<string, string>();
    let overlaps = 0;
    const agent =
      (node: string) =>
      async ({ signal, shard }: AgentContext) => {
        if (runningOn.has(shard.identity)) overlaps++;
        runningOn.set(shard.identity, node);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        await new Promise((resolve) => setTimeout(resolve, 100)); // slow to return: the lock must wait for it
        runningOn.delete(shard.identity);
      };
    const shared = { paused: new Set<string>(), draining: new Set<string>() };
    const trace: string[] = [];
    const nodes = ['n1', 'n2', 'n3'].map((node) => {
      const intents = new MutableIntents(node, shared);
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({ databases: [{ id: 'main' }], shards, createLock: () => server.createLock({ owner: node }) }),
        daemonFor: createFunctionDaemonFactory(() => agent(node)),
        // fast polls: the fair-share hand-overs settle quickly
        settings: { leadershipPollingTimeMs: 100, takeoverPollingTimeMs: 50, takeoverGraceMs: 0 },
        ownershipIntents: intents,
      });
      coordinators.push(coordinator);
      for (const event of ['lockAcquired', 'lockReleased', 'lockLost', 'agentStarted', 'agentStopped', 'error'] as const) {
        coordinator.on(event, (payload) =>
          trace.push(
            `${node} ${event} ${JSON.stringify(payload, (_k, v: unknown) => (v instanceof Error ? v.message : typeof v === 'bigint' ? String(v) : v)).slice(0, 200)}`,
          ),
        );
      }
      return { node, coordinator, intents };
    });
    const changed = () => nodes.forEach(({ intents }) => intents.changed());
    const total = () => nodes.reduce((sum, { coordinator }) => sum + coordinator.status().owned.length, 0);
    const until = async (predicate: () => boolean, what: string): Promise<void> => {
      try {
        await nodes[0]!.coordinator.whenOwned(predicate, { timeoutMs: 10_000 });
      } catch (error) {
        throw new Error(
          `${what}: owned ${total()}, running ${[...runningOn.keys()].join(',')}\n${trace.join('\n')}\n${JSON.stringify(nodes.map((n) => [n.node, n.coordinator.status().owned.map((o) => o.key), n.coordinator.status().backingOff]))}`,
          { cause: error },
        );
      }
    };
    await Promise.all(nodes.map(({ coordinator }) => coordinator.start()));
    await until(() => total() === 6 && runningOn.size === 6, 'all running');

    shared.paused.add('P0:All');
    changed();
    await until(() => total() === 5 && !runningOn.has('P0:All'), 'paused');
    expect(runningOn.size).toBe(5);

    const victim = nodes.find(({ coordinator }) => coordinator.status().owned.length > 0)!;
    shared.draining.add(victim.node);
    changed();
    const others = nodes.filter((n) => n !== victim);
    await until(
      () => victim.coordinator.status().owned.length === 0 && runningOn.size === 5 && others.every(({ coordinator }) => coordinator.status().owned.length >= 2),
      'drained',
    );
    // the drained node left the membership before it freed a set: the others share the 5 sets out
    // (one balancing hand-over per cycle when one of them took more than its share) and then stop:
    // no set goes back and forth between two nodes that each count three members
    const drainedAt = trace.length;
    for (let windows = 0; ; windows++) {
      const from = trace.length;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      if (!trace.slice(from).some((line) => line.includes('"reason":"balance"'))) break;
      if (windows === 8) throw new Error(`still re-balancing 9 s after the drain:\n${trace.slice(drainedAt).join('\n')}`);
    }
    const balanced = trace.slice(drainedAt).filter((line) => line.includes('lockReleased') && line.includes('"reason":"balance"'));
    const movedKeys = balanced.map((line) => /"key":"([^"]+)"/.exec(line)?.[1]);
    expect(new Set(movedKeys).size).toBe(movedKeys.length);
    expect([...runningOn.values()]).not.toContain(victim.node);
    expect(runningOn.has('P0:All')).toBe(false);

    // a failed read keeps the last intents in force
    for (const { intents } of nodes) intents.failNext = true;
    changed();
    await until(() => nodes.every(({ intents }) => !intents.failNext), 'failed read');
    expect(runningOn.has('P0:All')).toBe(false);

    shared.paused.clear();
    changed();
    await until(() => runningOn.size === 6 && total() === 6, 'resumed');
    expect(victim.coordinator.status().owned.length).toBe(0);
    expect(overlaps).toBe(0);
  });
});

describe('a draining node leaves the membership first', () => {
  it('releases its member slot before it frees any set, so no probe that sees a set free counts it', async () => {
    const server = new InMemoryLockServer();
    const shards = Array.from({ length: 4 }, (_, i) => shardName(`D${i}`));
    const shared = { paused: new Set<string>(), draining: new Set<string>() };
    const locksOf = new Map<string, ReturnType<InMemoryLockServer['createLock']>[]>();
    const slotsHeldAtRelease: string[][] = [];
    const make = (node: string) => {
      const intents = new MutableIntents(node, shared);
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor: new SingleTenantProjectionDistributor({
          databases: [{ id: 'main' }],
          shards,
          createLock: () => {
            const lock = server.createLock({ owner: node });
            locksOf.set(node, [...(locksOf.get(node) ?? []), lock]);
            return lock;
          },
        }),
        daemonFor: createFunctionDaemonFactory(() => async ({ signal }: AgentContext) => {
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }),
        settings: { leadershipPollingTimeMs: 100, takeoverPollingTimeMs: 50, takeoverGraceMs: 0 },
        ownershipIntents: intents,
      });
      coordinators.push(coordinator);
      return { coordinator, intents };
    };
    const first = make('n1');
    const second = make('n2');
    await Promise.all([first.coordinator.start(), second.coordinator.start()]);
    await first.coordinator.whenOwned(() => first.coordinator.status().owned.length === 2 && second.coordinator.status().owned.length === 2, {
      timeoutMs: 10_000,
    });
    const memberSlots = (locksOf.get('n1') ?? []).flatMap((lock) => lock.heldLocks().filter((id) => typeof id === 'string'));
    expect(memberSlots).toHaveLength(1);
    first.coordinator.on('lockReleased', ({ reason }) => {
      if (reason !== 'draining') return;
      slotsHeldAtRelease.push((locksOf.get('n1') ?? []).flatMap((lock) => lock.heldLocks().filter((id): id is string => typeof id === 'string')));
      // (besides no slot: its leaving marker, so the others probe in full while it still holds sets)
    });
    shared.draining.add('n1');
    first.intents.changed();
    await second.coordinator.whenOwned(4, { timeoutMs: 10_000 });
    expect(first.coordinator.status().owned).toEqual([]);
    const leaving = expect.stringMatching(/:leaving$/);
    expect(slotsHeldAtRelease).toEqual([[leaving], [leaving]]);
  });
});

describe('OwnershipIntentSource.onChange', () => {
  it('wakes the loop: a pause is honoured at once, not at the next (one-minute) poll', async () => {
    const server = new InMemoryLockServer();
    const running = new Set<string>();
    const shared = { paused: new Set<string>(), draining: new Set<string>() };
    const intents = new MutableIntents('solo', shared);
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: 'main' }],
        shards: [shardName('A'), shardName('B')],
        createLock: () => server.createLock({ owner: 'solo' }),
      }),
      daemonFor: createFunctionDaemonFactory(() => async ({ signal, shard }: AgentContext) => {
        running.add(shard.identity);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        running.delete(shard.identity);
      }),
      settings: { leadershipPollingTimeMs: 60_000, takeoverPollingTimeMs: 60_000, takeoverGraceMs: 0, balance: false },
      ownershipIntents: intents,
    });
    coordinators.push(coordinator);
    await coordinator.start();
    await coordinator.whenOwned(2, { timeoutMs: 10_000 });
    shared.paused.add('A:All');
    intents.changed();
    await coordinator.whenOwned((status) => status.owned.length === 1 && !running.has('A:All'), { timeoutMs: 5_000 });
    expect(server.openSessions).toBe(1);
    shared.paused.clear();
    intents.changed();
    await coordinator.whenOwned(() => running.size === 2, { timeoutMs: 5_000 });
    await coordinator.stop();
    expect(running.size).toBe(0);
  });
});

describe('IntentReader', () => {
  it('takes nothing until the first successful read, then keeps the last intents through failures', async () => {
    let answer: OwnershipIntents | Error = new Error('not reachable yet');
    const reader = new IntentReader(
      {
        read: () => {
          if (answer instanceof Error) throw answer;
          return answer;
        },
      },
      recordingLogger(),
    );
    const signal = new AbortController().signal;
    expect(await reader.read([], signal)).toMatchObject({ draining: true });
    answer = { paused: new Set(['A:All']), draining: false };
    expect(await reader.read([], signal)).toBe(answer);
    const last = answer;
    answer = new Error('down again');
    expect(await reader.read([], signal)).toBe(last);
  });
});
