// The takeover grace counts from when the server had freed the lock: the answer of the probe that
// listed the set free, when there is one (at least half of it still from the grant), else the grant.
import { InMemoryLockServer, type AppLock, type Clock } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName, type ProjectionSet } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory } from '../src/function-agent-daemon';
import { agentStartAt } from '../src/internal/loop/start';
import { ProjectionCoordinator } from '../src/projection-coordinator';

describe('agentStartAt', () => {
  it('without a probe answer: the whole grace from the grant', () => {
    expect(agentStartAt(1000, undefined, 50)).toBe(1050);
  });
  it('a probe answer before the grant: the grace from the probe answer', () => {
    expect(agentStartAt(1010, 1000, 50)).toBe(1050);
  });
  it('a slow attempt: at least half the grace from the grant', () => {
    expect(agentStartAt(1040, 1000, 50)).toBe(1065);
  });
  it('a probe answer after the grant (clock skew, never expected): the whole grace from the grant', () => {
    expect(agentStartAt(1000, 1010, 50)).toBe(1050);
  });
});

/** Virtual time: `now()` moves only when a sleep (or the test) moves it; the earliest sleep wakes first. */
class VirtualClock implements Clock {
  time = 1_000_000;
  readonly #pending: { at: number; resolve: () => void }[] = [];
  readonly #ticker = setInterval(() => {
    this.#pending.sort((a, b) => a.at - b.at);
    const next = this.#pending.shift();
    if (next === undefined) return;
    this.time = Math.max(this.time, next.at);
    next.resolve();
  }, 1);
  now(): number {
    return this.time;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const entry = { at: this.time + ms, resolve: () => resolve() };
      this.#pending.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          const index = this.#pending.indexOf(entry);
          if (index >= 0) this.#pending.splice(index, 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }
  dispose(): void {
    clearInterval(this.#ticker);
  }
}

const SHARD = shardName('Graced');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A standby whose lock attempts take `attemptMs` of virtual time (probes 2 ms); a lock owner of the
 * test ("old") holds the set, its session is ended, and the standby takes the set over. Returns the
 * virtual times of the standby's probe answer before the grant, the grant, and the agent's start.
 */
async function takeOver(attemptMs: number, balance: boolean): Promise<{ probedAt: number | undefined; grantedAt: number; startedAt: number }> {
  const server = new InMemoryLockServer();
  const clock = new VirtualClock();
  cleanups.push(() => clock.dispose());
  const probes: number[] = [];
  let grantedAt: number | undefined;
  const watched: { lockId?: ProjectionSet['lockId'] } = {}; // the set's lock id, once known
  const slow = (lock: AppLock): AppLock => {
    const attempt = lock.tryAttainLocks.bind(lock);
    lock.tryAttainLocks = async (ids, options) => {
      const granted = await attempt(ids, options);
      await clock.sleep(attemptMs);
      if (watched.lockId !== undefined && granted.has(watched.lockId)) grantedAt ??= clock.now();
      return granted;
    };
    const probe = lock.probeLocks?.bind(lock);
    if (probe !== undefined) {
      lock.probeLocks = async (ids, options) => {
        const held = await probe(ids, options);
        await clock.sleep(2);
        probes.push(clock.now());
        return held;
      };
    }
    return lock;
  };
  let locks = 0;
  const distributor = new SingleTenantProjectionDistributor({
    databases: [{ id: 'main' }],
    shards: [SHARD],
    daemonLockId: 91,
    watchMembers: false,
    clock,
    createLock: () => slow(server.createLock({ owner: `standby${(locks += 1)}`, verifyIntervalMs: 0 })),
  });
  // the old owner holds the set's lock through a lock of its own
  const [set] = await distributor.buildDistribution();
  watched.lockId = set!.lockId;
  const old = server.createLock({ owner: 'old', verifyIntervalMs: 0 });
  cleanups.push(() => old.dispose());
  expect(await old.tryAttainLock(set!.lockId)).toBe(true);

  let startedAt: number | undefined;
  const coordinator = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor,
    clock,
    daemonFor: createFunctionDaemonFactory(() => async ({ signal }) => {
      startedAt ??= clock.now();
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    }),
    settings: { leadershipPollingTimeMs: 100, takeoverPollingTimeMs: 100, takeoverGraceMs: 50, balance },
  });
  cleanups.push(async () => void (await coordinator.stop()));
  await coordinator.start();
  await coordinator.whenOwned((status) => status.cycles >= 2, { timeoutMs: 5_000 });
  expect(startedAt).toBeUndefined();
  expect(server.terminateSession('old')).toBe(1); // the server frees the lock; nothing is announced
  await expect.poll(() => startedAt, { timeout: 5_000 }).toBeDefined();
  const probedAt = probes.filter((at) => at <= grantedAt!).at(-1);
  return { probedAt, grantedAt: grantedAt!, startedAt: startedAt! };
}

describe('the takeover grace counts from when the lock was known free', () => {
  it('a fast attempt after the probe: the agents start one grace after the probe answer, before grant + grace', async () => {
    const { probedAt, grantedAt, startedAt } = await takeOver(10, true);
    expect(probedAt).toBeDefined();
    expect(grantedAt - probedAt!).toBe(10);
    expect(startedAt - probedAt!).toBe(50);
    expect(startedAt - grantedAt).toBe(40);
  });

  it('a slow attempt: at least half the grace from the grant', async () => {
    const { probedAt, grantedAt, startedAt } = await takeOver(40, true);
    expect(grantedAt - probedAt!).toBe(40);
    expect(startedAt - grantedAt).toBe(25);
  });

  it('no membership probe (balancing off): the whole grace from the grant', async () => {
    const { probedAt, grantedAt, startedAt } = await takeOver(10, false);
    expect(probedAt).toBeUndefined();
    expect(startedAt - grantedAt).toBe(50);
  });
});
