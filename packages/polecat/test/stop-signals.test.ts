import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { InMemoryLockServer, runShards, untilStopSignal, type StopSignal } from '../src/index';

function fakeProcess() {
  const emitter = new EventEmitter();
  return {
    on: (signal: StopSignal, listener: (signal: StopSignal) => void) => emitter.on(signal, listener),
    off: (signal: StopSignal, listener: (signal: StopSignal) => void) => emitter.off(signal, listener),
    send: (signal: StopSignal) => emitter.emit(signal, signal),
    listeners: (signal: StopSignal) => emitter.listenerCount(signal),
  };
}

describe('untilStopSignal', () => {
  it('resolves on the first signal; a second ends the process at once with one line naming the agents still running', async () => {
    const stubborn = async (): Promise<void> => new Promise<void>(() => undefined); // ignores its abort
    const coordinator = await runShards({
      connection: { backend: 'memory', server: new InMemoryLockServer() },
      shards: { Trip: stubborn },
      logger: false,
      settings: { stopDrainTimeoutMs: 50, takeoverGraceMs: 0 },
    });
    await coordinator.whenOwned(1);
    const signals = fakeProcess();
    const lines: string[] = [];
    const exits: number[] = [];
    const first = untilStopSignal(coordinator, { signalSource: signals, write: (line) => lines.push(line), exit: (code) => exits.push(code) });
    signals.send('SIGINT');
    await expect(first).resolves.toBe('SIGINT');
    expect(signals.listeners('SIGINT')).toBe(1); // stays while the stop runs
    const stopping = coordinator.stop();
    signals.send('SIGTERM');
    expect(exits).toEqual([143]);
    expect(lines).toEqual(['polecat: second SIGTERM: exiting now (143) with agents still running: default/Trip:All']);
    expect(signals.listeners('SIGINT') + signals.listeners('SIGTERM')).toBe(0);
    await stopping;
  });

  /** A running coordinator, `untilStopSignal` on fake signals with the clock `now`, and the exit codes it asked for. */
  async function waitingForSignals(now: () => number) {
    const coordinator = await runShards({
      connection: { backend: 'memory', server: new InMemoryLockServer() },
      shards: { Trip: async () => undefined },
      logger: false,
    });
    const signals = fakeProcess();
    const exits: number[] = [];
    const first = untilStopSignal(coordinator, { signalSource: signals, write: () => undefined, exit: (code) => exits.push(code), clock: { now } });
    return { coordinator, signals, exits, first };
  }

  it('takes the same signal again within 500 ms as the first delivered twice (process group and a relaying tsx), not as a second signal', async () => {
    let now = 1_000;
    const { coordinator, signals, exits, first } = await waitingForSignals(() => now);
    signals.send('SIGTERM');
    await expect(first).resolves.toBe('SIGTERM');
    now += 499;
    signals.send('SIGTERM'); // the relayed copy
    expect(exits).toEqual([]);
    now += 1;
    signals.send('SIGTERM'); // 500 ms after the first: a second signal
    expect(exits).toEqual([143]);
    await coordinator.stop();
  });

  it('takes a different signal as a second signal however soon it comes (a clock set back: kit signal-echo.test.ts)', async () => {
    const { coordinator, signals, exits, first } = await waitingForSignals(() => 0);
    signals.send('SIGINT');
    await first;
    signals.send('SIGTERM');
    expect(exits).toEqual([143]);
    await coordinator.stop();
  });
});
