import { InMemoryLockServer, systemClock, type AppLock } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFunctionDaemonFactory, type AgentContext } from '../src/function-agent-daemon';
import { RELEASE_NOTICE_BURST, RELEASE_NOTICE_REFILL_MS, ReleaseNoticeWaker } from '../src/internal/loop/release-notice-waker';
import { ProjectionCoordinator } from '../src/projection-coordinator';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const coordinators: ProjectionCoordinator[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(coordinators.splice(0).map((c) => c.stop()));
});

describe('ReleaseNoticeWaker (coalescing)', () => {
  it('a storm of notices wakes at most RELEASE_NOTICE_BURST times at once, then once per RELEASE_NOTICE_REFILL_MS; an isolated one at once', async () => {
    let now = 0;
    const sleeps: { at: number; resolve: () => void }[] = [];
    const clock = {
      now: () => now,
      sleep: (ms: number) => new Promise<void>((resolve) => sleeps.push({ at: now + ms, resolve })),
    };
    let wakes = 0;
    const waker = new ReleaseNoticeWaker(() => wakes++, clock, 5);
    const advance = async (to: number): Promise<void> => {
      while (now < to) {
        now += 1;
        for (const entry of sleeps.splice(0)) {
          if (entry.at <= now) entry.resolve();
          else sleeps.push(entry);
        }
        await Promise.resolve();
        await Promise.resolve();
      }
    };
    for (let at = 0; at < 1000; at += 6) {
      await advance(at);
      waker.notice(); // one notice every 6 ms for a second (unlimited: one wake per notice, 167)
    }
    await advance(1100);
    expect(wakes).toBeGreaterThanOrEqual(RELEASE_NOTICE_BURST + 1000 / RELEASE_NOTICE_REFILL_MS - 2);
    expect(wakes).toBeLessThanOrEqual(RELEASE_NOTICE_BURST + 1100 / RELEASE_NOTICE_REFILL_MS + 1);
    await advance(1500); // quiet: tokens come back
    const before = wakes;
    waker.notice();
    await advance(1506);
    expect(wakes).toBe(before + 1); // an isolated notice: woken after the 5 ms coalescing, not later
    waker.dispose();
  });

  it('a burst of notices causes ONE wake; a later notice another; none after dispose', async () => {
    let wakes = 0;
    const waker = new ReleaseNoticeWaker(() => wakes++, systemClock, 5);
    for (let i = 0; i < 10; i++) waker.notice();
    await sleep(50);
    expect(wakes).toBe(1);
    expect(waker.counts).toEqual({ notices: 10, wakes: 1 });
    waker.notice();
    waker.notice();
    await sleep(50);
    expect(wakes).toBe(2);
    waker.notice();
    waker.dispose(); // pending wake dropped
    waker.notice();
    await sleep(50);
    expect(wakes).toBe(2);
  });
});

function node(server: InMemoryLockServer, name: string, shards: number, settings: Record<string, number | boolean>) {
  const locks: AppLock[] = [];
  let running = 0;
  const agent = async ({ signal }: AgentContext): Promise<void> => {
    running++;
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    running--;
  };
  const coordinator = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor: new SingleTenantProjectionDistributor({
      databases: [{ id: 'main' }],
      shards: Array.from({ length: shards }, (_, i) => shardName(`N${i}`)),
      createLock: () => {
        const lock = server.createLock({ owner: name, verifyIntervalMs: 0 });
        locks.push(lock);
        return lock;
      },
    }),
    daemonFor: createFunctionDaemonFactory(() => agent),
    settings: { balance: false, ...settings },
  });
  coordinators.push(coordinator);
  let cycles = 0;
  coordinator.on('cycle', () => cycles++);
  return { coordinator, running: () => running, cycles: () => cycles, roundTrips: () => locks.reduce((sum, lock) => sum + lock.stats().roundTrips, 0) };
}

describe('a standby wakes on release notices (in-memory lock server)', () => {
  it("another node's graceful stop: the standby takes over at once, with ONE extra cycle and ONE round trip", async () => {
    const server = new InMemoryLockServer();
    const slow = { leadershipPollingTimeMs: 60_000, takeoverPollingTimeMs: 60_000 };
    const a = node(server, 'a', 8, slow);
    await a.coordinator.start();
    await a.coordinator.whenOwned(8, { timeoutMs: 5_000 });
    const b = node(server, 'b', 8, slow);
    await b.coordinator.start();
    await b.coordinator.whenOwned((status) => status.cycles >= 1, { timeoutMs: 5_000 }); // denied once; next poll in 60 s
    const cyclesBefore = b.cycles();
    const tripsBefore = b.roundTrips();
    const stoppedAt = Date.now();
    await a.coordinator.stop();
    await b.coordinator.whenOwned(8, { timeoutMs: 5_000 }); // far before the 60 s poll
    const tookMs = Date.now() - stoppedAt;
    await sleep(100);
    expect(b.running()).toBe(8);
    expect(b.cycles() - cyclesBefore).toBe(1);
    expect(b.roundTrips() - tripsBefore).toBe(1);
    expect(tookMs).toBeLessThan(5_000);
  });

  it('an owner that hears a notice runs one cheap cycle (no round trip: nothing to attempt)', async () => {
    const server = new InMemoryLockServer();
    const a = node(server, 'a', 4, { leadershipPollingTimeMs: 60_000, takeoverPollingTimeMs: 60_000 });
    await a.coordinator.start();
    await a.coordinator.whenOwned(4, { timeoutMs: 5_000 });
    const other = server.createLock({ owner: 'other', verifyIntervalMs: 0 });
    await other.tryAttainLock('unrelated');
    const cyclesBefore = a.cycles();
    const tripsBefore = a.roundTrips();
    await other.releaseAll();
    await a.coordinator.whenOwned((status) => status.cycles > cyclesBefore, { timeoutMs: 5_000 });
    expect(a.roundTrips() - tripsBefore).toBe(0);
    await other.dispose();
  });
});

describe('per-agent cost', () => {
  it('starting 200 agents creates no AbortSignal.any combination and never lets whenOwned recompute per event', async () => {
    const any = vi.spyOn(AbortSignal, 'any');
    const server = new InMemoryLockServer();
    const a = node(server, 'a', 200, { leadershipPollingTimeMs: 60_000 });
    const status = vi.spyOn(a.coordinator, 'status');
    const owned = a.coordinator.whenOwned(200, { timeoutMs: 10_000 });
    await a.coordinator.start();
    await owned;
    expect(a.running()).toBe(200);
    expect(any).not.toHaveBeenCalled();
    // 200 lockAcquired + 200 agentStarted events: checked once per event-loop turn, not per event
    expect(status.mock.calls.length).toBeLessThan(50);
    await a.coordinator.stop();
    expect(a.running()).toBe(0);
  });
});
