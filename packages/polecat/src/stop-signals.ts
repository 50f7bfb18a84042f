import type { CoordinatorStatus } from '@polecat/coordinator';
import { signalEcho, type Clock } from '@polecat/kit';

/** The signals {@link untilStopSignal} waits for by default. */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** One of {@link STOP_SIGNALS}. */
export type StopSignal = (typeof STOP_SIGNALS)[number];

const SIGNAL_NUMBERS: Readonly<Record<StopSignal, number>> = { SIGINT: 2, SIGTERM: 15 };

/** Options of {@link untilStopSignal}. */
export interface StopSignalOptions {
  /** Default {@link STOP_SIGNALS}. */
  readonly signals?: readonly StopSignal[];
  /** Ends the process on a second signal. Default `process.exit`. */
  readonly exit?: (code: number) => void;
  /** Where the one line of a second signal goes. Default: stderr. */
  readonly write?: (line: string) => void;
  /**
   * The same signal again within this many milliseconds of the first is the first delivered twice,
   * not a second one: a terminal signals the whole process group and a parent that relays signals
   * (the `tsx` CLI, a process manager) sends it again. Default 500.
   */
  readonly duplicateWithinMs?: number;
  /** Time source of `duplicateWithinMs`. Default the system clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Where signals come from. Default `process`. */
  readonly signalSource?: {
    on(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
    off(signal: StopSignal, listener: (signal: StopSignal) => void): unknown;
  };
}

/** The shards whose agents still run on this node (owned or draining), for the line of a second signal. */
export function runningShards(status: CoordinatorStatus): string[] {
  const running = new Set<string>();
  for (const set of status.owned)
    for (const agent of set.agents) if (agent.status === 'Running' || agent.status === 'Stopping') running.add(`${set.databaseId}/${agent.shard}`);
  for (const drain of status.draining) for (const shard of drain.shards) running.add(`${drain.databaseId}/${shard}`);
  return [...running];
}

/**
 * Resolves on the first SIGTERM or SIGINT, so that the caller then stops the coordinator (leaving
 * an `await using` scope, or `stop()`); its listeners stay while that stop runs (so that no signal
 * meets Node's default handler mid-stop). A second signal ends the process at once (exit code
 * 128 + signal number) with ONE line naming the agents still running; the same signal again within
 * `duplicateWithinMs` (500 ms) of the first is the first one delivered twice (process group and a
 * relaying parent such as the `tsx` CLI) and is ignored.
 * @example
 * await using coordinator = await runShards({ connection, shards });
 * await untilStopSignal(coordinator);
 */
export function untilStopSignal(coordinator: { status(): CoordinatorStatus }, options: StopSignalOptions = {}): Promise<StopSignal> {
  const signals = options.signals ?? STOP_SIGNALS;
  const source = options.signalSource ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const echo = signalEcho({
    ...(options.duplicateWithinMs === undefined ? {} : { windowMs: options.duplicateWithinMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: StopSignal): void => {
      if (!received) {
        received = true;
        echo.first(signal);
        resolve(signal);
        return;
      }
      if (echo.isEcho(signal)) return;
      for (const each of signals) source.off(each, onSignal);
      const running = runningShards(coordinator.status());
      const code = 128 + SIGNAL_NUMBERS[signal];
      write(
        `polecat: second ${signal}: exiting now (${code}) ${running.length === 0 ? 'with no agent running' : `with agents still running: ${running.join(', ')}`}`,
      );
      exit(code);
    };
    for (const signal of signals) source.on(signal, onSignal);
  });
}
