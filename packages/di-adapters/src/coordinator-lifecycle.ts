import { DiAdapterError } from './errors';

/** The lifecycle the hosts drive; `ProjectionCoordinator` has it (and so can a test double). */
export interface HostedCoordinator {
  start(): Promise<void> | void;
  /** `ProjectionCoordinator.stop()` resolves with its `StopResult`; the hosts only wait for it. */
  stop(): Promise<unknown>;
}

/** Outcome of {@link drainCoordinators}. */
export interface DrainResult {
  /** Every coordinator stopped within the deadline without error. */
  readonly ok: boolean;
  /** `timeoutMs` passed before every coordinator had stopped (they keep stopping in the background). */
  readonly timedOut: boolean;
  /**
   * What `stop()` rejected with, a `DRAIN_FAILED` {@link DiAdapterError} per coordinator whose agents
   * outlived its `stopDrainTimeoutMs` (`stop()` resolved `{ drained: false }`), and one on a timeout.
   */
  readonly errors: readonly unknown[];
  /** Wall-clock time the drain took (or until the deadline). */
  readonly durationMs: number;
}

/**
 * Starts every coordinator, in order; if one fails, stops it (it may have started part of its work)
 * and those already started, then rethrows the start error.
 */
export async function startCoordinators(coordinators: Iterable<HostedCoordinator>): Promise<void> {
  const attempted: HostedCoordinator[] = [];
  try {
    for (const coordinator of coordinators) {
      attempted.push(coordinator);
      await coordinator.start();
    }
  } catch (error) {
    await drainCoordinators(attempted);
    throw error;
  }
}

/**
 * Stops every coordinator at once (each aborts its agents, waits for them up to its own
 * `stopDrainTimeoutMs`, releases its locks and closes its connections) and resolves once all are
 * done or `timeoutMs` passed. Never rejects.
 * @param timeoutMs overall deadline; default: none (each coordinator's own drain timeout bounds it).
 */
export async function drainCoordinators(coordinators: Iterable<HostedCoordinator>, timeoutMs?: number): Promise<DrainResult> {
  const startedAt = Date.now();
  const errors: unknown[] = [];
  const all = Promise.all(
    [...coordinators].map(async (coordinator) => {
      try {
        const outcome = await coordinator.stop();
        // ProjectionCoordinator.stop() resolves { drained: false, draining } when agents passed stopDrainTimeoutMs
        if (typeof outcome === 'object' && outcome !== null && (outcome as { drained?: unknown }).drained === false) {
          const draining = ((outcome as { draining?: readonly { key: string }[] }).draining ?? []).map((set) => set.key);
          errors.push(
            new DiAdapterError(
              'DRAIN_FAILED',
              `agents of ${draining.length} set(s) did not stop within stopDrainTimeoutMs: ${draining.join(', ') || 'unknown'}`,
            ),
          );
        }
      } catch (error) {
        errors.push(error);
      }
    }),
  ).then(() => false);
  let timer: NodeJS.Timeout | undefined;
  const deadline =
    timeoutMs === undefined
      ? new Promise<boolean>(() => {})
      : new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        });
  const timedOut = await Promise.race([all, deadline]);
  clearTimeout(timer);
  if (timedOut) errors.push(new DiAdapterError('DRAIN_FAILED', `coordinators did not stop within ${timeoutMs} ms`));
  // a copy: a coordinator that stops after the deadline must not change a result already returned
  return { ok: errors.length === 0, timedOut, errors: [...errors], durationMs: Date.now() - startedAt };
}
