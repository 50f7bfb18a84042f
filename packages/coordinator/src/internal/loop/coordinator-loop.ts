import { CoordinatorError } from '../../coordinator-error';
import type { Coordination } from '../coordination';
import { ClusterObserver } from './cluster-observer';
import { nextSleep, type CycleOutcome } from './next-sleep';
import type { LoopRun } from './observe';
import { runCycle } from './run-cycle';
import { subscribeWakeSources } from './wake-sources';
import type { WakeableSleep } from './wakeable-sleep';

/**
 * The loop: cycle ({@link runCycle}), decide the sleep ({@link nextSleep}), report the cycle,
 * sleep until the time is up or something wakes it. Started by `start`/`resume`, halted by
 * `pause`/`stop`; subscribes its wake sources on the first start and drops them at {@link close}.
 * Time comes only from the composition's clock (and its sleeps).
 */
export class CoordinatorLoop {
  readonly #c: Coordination;
  readonly #sleep: WakeableSleep;
  readonly #onCycle: () => void;
  #cycles = 0;
  #randomWaitDone = false;
  #run: { readonly controller: AbortController; readonly done: Promise<void> } | undefined;
  #unsubscribe: (() => void) | undefined;

  /** `onCycle`: a cycle ended (status waiters look again). */
  constructor(c: Coordination, sleep: WakeableSleep, onCycle: () => void) {
    this.#c = c;
    this.#sleep = sleep;
    this.#onCycle = onCycle;
  }

  /** Completed cycles since construction. */
  get cycles(): number {
    return this.#cycles;
  }

  /** Starts a run of the loop (subscribing the wake sources the first time). */
  start(): void {
    this.#unsubscribe ??= subscribeWakeSources(this.#c);
    const controller = new AbortController();
    this.#c.ownership.renew();
    this.#c.operations.started();
    this.#run = { controller, done: this.#loop(controller.signal) };
  }

  /** Ends the current run (its cycle is aborted) and waits for it. */
  async halt(): Promise<void> {
    this.#c.operations.halted();
    const run = this.#run;
    this.#run = undefined;
    if (run === undefined) return;
    run.controller.abort(new CoordinatorError('DISPOSED', 'coordinator loop stopped'));
    await run.done;
  }

  /** Halts and drops the wake sources (stop). */
  async close(): Promise<void> {
    await this.halt();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  async #loop(signal: AbortSignal): Promise<void> {
    const c = this.#c;
    if (!this.#randomWaitDone) {
      this.#randomWaitDone = true;
      try {
        await c.distributor.randomWait(signal);
      } catch {
        // aborted: the loop below exits at once
      }
    }
    const run: LoopRun = { signal, ...(c.policy?.usesMembership === true ? { cluster: new ClusterObserver() } : {}) };
    while (!signal.aborted) {
      let outcome: CycleOutcome | undefined;
      try {
        outcome = await runCycle(c, run);
      } catch (error) {
        c.logger.error('coordinator cycle failed; continuing', { error });
        c.errors.report(error);
      }
      if (signal.aborted) break;
      const now = c.clock.now();
      const unreachableRetryMs = c.operations.endCycle(now);
      const sleepMs = nextSleep({
        settings: c.settings,
        outcome,
        backoff: c.ownership.backoff.entries,
        now,
        ...(unreachableRetryMs === undefined ? {} : { unreachableRetryMs }),
      });
      if (outcome !== undefined) {
        c.events.emit('cycle', {
          durationMs: now - outcome.startedAt,
          owned: c.ownership.trackedCount(),
          attempted: outcome.attempted,
          granted: outcome.granted,
          sleepMs,
        });
      }
      c.operations.cycleEnded(now, sleepMs);
      this.#cycles += 1;
      this.#onCycle();
      await this.#sleep.sleep(sleepMs, signal);
    }
  }
}
