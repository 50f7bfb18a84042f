import { toLogger, type ConsoleLike, type Logger } from '@polecat/app-lock';
import { signalEcho, type Clock } from '@polecat/kit';
import { drainCoordinators, startCoordinators, type DrainResult, type HostedCoordinator } from '../coordinator-lifecycle';
import type { HealthSource, HealthSources } from '../health-report';
import { toRegistry, type RegistrationsInput } from '../registrations-input';
import { serveHealth, type HealthServer } from './health-server';

/** Signals a host can drain on. */
export const HOST_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
/** One of {@link HOST_SIGNALS}. */
export type HostSignal = (typeof HOST_SIGNALS)[number];

const SIGNAL_NUMBERS: Readonly<Record<HostSignal, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** The minimal process surface the host uses (inject a fake in tests). */
export interface HostProcess {
  on(signal: HostSignal, listener: (signal: HostSignal) => void): unknown;
  off(signal: HostSignal, listener: (signal: HostSignal) => void): unknown;
}

/** Options of {@link runHost}. */
export interface RunHostOptions {
  /** Coordinators to run (e.g. `ProjectionCoordinator`s), or registrations to build them from. */
  readonly coordinators: readonly HostedCoordinator[] | RegistrationsInput;
  /** Deadline for draining after the first signal; past it the host exits with code 1. Default 10 000 ms. */
  readonly drainTimeoutMs?: number;
  /** Signals that start a drain. Default `['SIGTERM', 'SIGINT']`. */
  readonly signals?: readonly HostSignal[];
  /** Where start/drain messages go. Default: silent. */
  readonly logger?: Logger | ConsoleLike;
  /**
   * Called with the exit code once draining ends after a signal (0 drained, 1 failed or timed out)
   * or at once on a second signal (128 + signal number: 130 SIGINT, 143 SIGTERM).
   * Default `process.exit`. Pass `false` to not exit (the host only drains).
   */
  readonly exit?: ((code: number) => void) | false;
  /** Default: the real `process`. */
  readonly process?: HostProcess;
  /**
   * The same signal again within this many milliseconds of the first is the first delivered twice
   * (a terminal signals the whole process group and a relaying parent such as the `tsx` CLI sends it
   * again), not a second signal. Default 500.
   */
  readonly duplicateWithinMs?: number;
  /** Time source of `duplicateWithinMs`. Default the system clock. */
  readonly clock?: Pick<Clock, 'now'>;
  /**
   * Opt-in probes: serve `/healthz` (liveness) and `/readyz` (readiness) on this port (plain
   * `node:http`, see `serveHealth`), from before the coordinators start until the drain ends.
   */
  readonly health?: { readonly port: number; readonly host?: string };
}

/** A running host; `await using` (or `dispose()`) drains without exiting. */
export interface RunningHost extends AsyncDisposable {
  /** The coordinators being run. */
  readonly coordinators: readonly HostedCoordinator[];
  /** Resolves with the drain result once a signal or `dispose()` drained the coordinators. */
  readonly drained: Promise<DrainResult>;
  /** Drains now (no exit), removing the signal listeners. Idempotent. */
  dispose(): Promise<DrainResult>;
  /** The probe server, when `health` was given (its `port` is the one bound, useful with port 0). */
  readonly health?: HealthServer;
}

function isHostedList(value: RunHostOptions['coordinators']): value is readonly HostedCoordinator[] {
  return Array.isArray(value) && value.every((item) => typeof (item as Partial<HostedCoordinator>).stop === 'function' && !('create' in item));
}

/**
 * Hosts coordinators in a plain Node process: starts them, and on SIGTERM/SIGINT drains them within
 * `drainTimeoutMs` (agents aborted, locks released, connections closed), then exits 0 (or 1 when
 * draining failed or timed out). A second signal while draining exits at once (130/143); the same
 * signal again within `duplicateWithinMs` (500 ms) is the first delivered twice and is ignored.
 * @example
 * await runHost({ coordinators: [coordinator], logger: console });
 */
export async function runHost(options: RunHostOptions): Promise<RunningHost> {
  const logger = toLogger(options.logger);
  let coordinators: readonly HostedCoordinator[];
  /** By store name when built from registrations (the health report's keys, as in NestJS). */
  let byStore: ReadonlyMap<string, HostedCoordinator> | undefined;
  if (isHostedList(options.coordinators)) coordinators = options.coordinators;
  else {
    const registry = toRegistry(options.coordinators as RegistrationsInput);
    await registry.validate(); // SHARED_LOCK_ID before anything starts
    byStore = registry.createAll();
    coordinators = [...byStore.values()];
  }
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const signals = options.signals ?? (['SIGTERM', 'SIGINT'] as const);
  const proc: HostProcess = options.process ?? process;
  const exit = options.exit === undefined ? (code: number) => process.exit(code) : options.exit;

  let resolveDrained!: (result: DrainResult) => void;
  const drained = new Promise<DrainResult>((resolve) => {
    resolveDrained = resolve;
  });
  let draining: Promise<DrainResult> | undefined;
  let healthServer: HealthServer | undefined;
  const removeListeners = (): void => {
    for (const signal of signals) proc.off(signal, onSignal);
  };
  const drain = (reason: string): Promise<DrainResult> => {
    draining ??= drainCoordinators(coordinators, drainTimeoutMs).then(async (result) => {
      await healthServer?.close();
      if (result.ok) logger.info('host drained', { reason, durationMs: result.durationMs });
      else logger.error('host did not drain cleanly', { reason, durationMs: result.durationMs, timedOut: result.timedOut, errors: result.errors });
      resolveDrained(result);
      return result;
    });
    return draining;
  };
  const echo = signalEcho({
    ...(options.duplicateWithinMs === undefined ? {} : { windowMs: options.duplicateWithinMs }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  function onSignal(signal: HostSignal): void {
    if (draining !== undefined) {
      if (echo.isEcho(signal)) return;
      const code = 128 + SIGNAL_NUMBERS[signal];
      logger.warn('second signal while draining: exiting now', { signal, code });
      removeListeners();
      if (exit !== false) exit(code);
      return;
    }
    echo.first(signal);
    logger.info('signal received: draining', { signal, drainTimeoutMs });
    void drain(signal).then((result) => {
      removeListeners();
      if (exit !== false) exit(result.ok ? 0 : 1);
    });
  }

  if (options.health !== undefined) {
    const hasHealth = (coordinator: HostedCoordinator): coordinator is HostedCoordinator & HealthSource =>
      typeof (coordinator as Partial<HealthSource>).health === 'function';
    const withHealth: HealthSources =
      byStore === undefined
        ? coordinators.filter(hasHealth)
        : new Map([...byStore].filter((entry): entry is [string, HostedCoordinator & HealthSource] => hasHealth(entry[1])));
    healthServer = await serveHealth({ coordinators: withHealth, ...options.health, logger });
  }
  for (const signal of signals) proc.on(signal, onSignal);
  try {
    await startCoordinators(coordinators);
  } catch (error) {
    removeListeners();
    await healthServer?.close();
    throw error;
  }
  logger.info('host started', { coordinators: coordinators.length, signals });
  const dispose = async (): Promise<DrainResult> => {
    const result = await drain('dispose');
    removeListeners();
    return result;
  };
  return {
    coordinators,
    drained,
    dispose,
    ...(healthServer === undefined ? {} : { health: healthServer }),
    [Symbol.asyncDispose]: async () => void (await dispose()),
  };
}
