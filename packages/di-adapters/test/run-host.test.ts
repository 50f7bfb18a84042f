import { EventEmitter } from 'node:events';
import { InMemoryLockServer } from '@polecat/app-lock';
import { describe, expect, it } from 'vitest';
import { DiAdapterError, createProjectionCoordinator, type HostedCoordinator } from '../src/index';
import { runHost, type HostProcess, type HostSignal } from '../src/node/index';
import { FAST, lockIdsOf, randomLockBase, trackedAgents } from './helpers';

function fakeProcess(): HostProcess & { emitSignal(signal: HostSignal): void; count(): number } {
  const emitter = new EventEmitter();
  return {
    on: (signal, listener) => emitter.on(signal, listener),
    off: (signal, listener) => emitter.off(signal, listener),
    emitSignal: (signal) => emitter.emit(signal, signal),
    count: () => emitter.listenerCount('SIGTERM') + emitter.listenerCount('SIGINT'),
  };
}

function exitRecorder(): { exit: (code: number) => void; codes: number[]; next: Promise<number> } {
  const codes: number[] = [];
  let resolve!: (code: number) => void;
  const next = new Promise<number>((r) => (resolve = r));
  return {
    codes,
    next,
    exit: (code) => {
      codes.push(code);
      resolve(code);
    },
  };
}

describe('runHost', () => {
  it('starts the coordinators; SIGTERM drains them, releases the locks and exits 0', async () => {
    const server = new InMemoryLockServer();
    const base = randomLockBase();
    const { agents, running } = trackedAgents(['Trip', 'Day']);
    const coordinator = createProjectionCoordinator('HotCold', {
      shards: agents,
      createLock: () => server.createLock({ owner: 'host' }),
      settings: { ...FAST, daemonLockId: base },
      random: () => 0,
    });
    const proc = fakeProcess();
    const recorder = exitRecorder();
    const host = await runHost({ coordinators: [coordinator], process: proc, exit: recorder.exit });
    await coordinator.whenOwned(2, { timeoutMs: 5000 });
    expect(proc.count()).toBe(2);
    proc.emitSignal('SIGTERM');
    expect(await recorder.next).toBe(0);
    expect((await host.drained).ok).toBe(true);
    expect(running.size).toBe(0);
    for (const id of lockIdsOf(['Trip', 'Day'], base)) expect(server.holderOf(id)).toBeUndefined();
    expect(server.openSessions).toBe(0);
    expect(proc.count()).toBe(0);
  });

  it('a second signal while draining forces exit 143 (SIGTERM) / 130 (SIGINT); a timed-out drain exits 1', async () => {
    let release!: () => void;
    const hanging: HostedCoordinator = {
      start: () => {},
      stop: () => new Promise<void>((resolve) => (release = resolve)),
    };
    const proc = fakeProcess();
    const recorder = exitRecorder();
    const host = await runHost({ coordinators: [hanging], process: proc, exit: recorder.exit, drainTimeoutMs: 100 });
    proc.emitSignal('SIGINT');
    proc.emitSignal('SIGTERM');
    expect(recorder.codes).toEqual([143]);
    const result = await host.drained;
    expect(result.timedOut).toBe(true);
    expect(DiAdapterError.hasCode(result.errors[0], 'DRAIN_FAILED')).toBe(true);
    release();

    const proc2 = fakeProcess();
    const recorder2 = exitRecorder();
    await runHost({ coordinators: [{ start: () => {}, stop: () => new Promise(() => {}) }], process: proc2, exit: recorder2.exit, drainTimeoutMs: 50 });
    proc2.emitSignal('SIGINT');
    expect(await recorder2.next).toBe(1);

    const proc3 = fakeProcess();
    const recorder3 = exitRecorder();
    let now = 0;
    await runHost({ coordinators: [{ start: () => {}, stop: () => new Promise(() => {}) }], process: proc3, exit: recorder3.exit, clock: { now: () => now } });
    proc3.emitSignal('SIGINT');
    now += 500;
    proc3.emitSignal('SIGINT');
    expect(recorder3.codes).toEqual([130]);
  });

  it('the same signal again within 500 ms is the first delivered twice (process group + a relaying tsx CLI): the drain goes on', async () => {
    let release!: () => void;
    const slow: HostedCoordinator = { start: () => {}, stop: () => new Promise<void>((resolve) => (release = resolve)) };
    const proc = fakeProcess();
    const recorder = exitRecorder();
    let now = 0;
    const host = await runHost({ coordinators: [slow], process: proc, exit: recorder.exit, clock: { now: () => now } });
    proc.emitSignal('SIGTERM');
    now += 499;
    proc.emitSignal('SIGTERM');
    expect(recorder.codes).toEqual([]);
    release();
    expect((await host.drained).ok).toBe(true);
    expect(await recorder.next).toBe(0);
  });

  it('builds coordinators from registrations; dispose drains without exiting and is idempotent', async () => {
    const { agents, running } = trackedAgents(['Trip']);
    const proc = fakeProcess();
    const recorder = exitRecorder();
    const { asyncDaemon } = await import('../src/index');
    {
      await using host = await runHost({ coordinators: [asyncDaemon({ shards: agents, settings: FAST })], process: proc, exit: recorder.exit });
      expect(host.coordinators).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(running.size).toBe(1);
    }
    expect(running.size).toBe(0);
    expect(recorder.codes).toEqual([]);
    expect(proc.count()).toBe(0);
  });

  it('a failing start removes the signal listeners and rethrows', async () => {
    const proc = fakeProcess();
    const stopped: string[] = [];
    const ok: HostedCoordinator = { start: () => {}, stop: async () => void stopped.push('ok') };
    const bad: HostedCoordinator = { start: () => Promise.reject(new Error('boom')), stop: async () => void stopped.push('bad') };
    await expect(runHost({ coordinators: [ok, bad], process: proc, exit: false })).rejects.toThrow('boom');
    expect(proc.count()).toBe(0);
    expect(stopped.sort()).toEqual(['bad', 'ok']); // the failed one too: it may have started part of its work
  });
});

describe('runHost with registrations', () => {
  it('refuses two stores sharing a lock id in one database before anything starts or listens (SHARED_LOCK_ID)', async () => {
    const { projectionCoordinator } = await import('../src/index');
    const server = new InMemoryLockServer();
    const a = trackedAgents(['Trip']);
    const b = trackedAgents(['Trip']);
    const proc = fakeProcess();
    const error = await runHost({
      coordinators: [
        projectionCoordinator('HotCold', { shards: a.agents, createLock: () => server.createLock(), settings: FAST }),
        projectionCoordinator('HotCold', { store: 'orders', shards: b.agents, createLock: () => server.createLock(), settings: FAST }),
      ],
      process: proc,
      exit: false,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(DiAdapterError.hasCode(error, 'SHARED_LOCK_ID')).toBe(true);
    expect(proc.count()).toBe(0);
    expect(a.starts.length + b.starts.length).toBe(0);
    expect(server.openSessions).toBe(0);
  });
});
