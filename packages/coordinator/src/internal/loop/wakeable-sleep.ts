import type { Clock } from '@polecat/app-lock';

/**
 * The loop's sleep: ends after `ms`, at {@link WakeableSleep.wake} (also when woken while not
 * sleeping: the next sleep returns at once), or when `stop` aborts. Never rejects.
 */
export class WakeableSleep {
  readonly #clock: Clock;
  #pending = false;
  #current: AbortController | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  wake(): void {
    this.#pending = true;
    this.#current?.abort();
  }

  /** Resolves `true` when woken early or stopped, `false` when the full time elapsed. */
  async sleep(ms: number, stop: AbortSignal): Promise<boolean> {
    if (this.#pending || stop.aborted) {
      this.#pending = false;
      return true;
    }
    const controller = new AbortController();
    this.#current = controller;
    // one listener, removed after the sleep (an AbortSignal.any per sleep would pile up weak
    // references on the long-lived `stop` signal)
    const onStop = (): void => controller.abort();
    stop.addEventListener('abort', onStop, { once: true });
    try {
      await this.#clock.sleep(ms, controller.signal);
      return false;
    } catch {
      return true;
    } finally {
      stop.removeEventListener('abort', onStop);
      this.#current = undefined;
      this.#pending = false;
    }
  }
}
