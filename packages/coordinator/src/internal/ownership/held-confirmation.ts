import type { ProjectionDistributor, ProjectionSet } from '@polecat/distributors';

interface Waiter {
  readonly set: ProjectionSet;
  readonly resolve: (confirmed: boolean) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Confirms, with the distributor's `confirmHeld` (one round trip per lock owner), that sets whose
 * fencing epoch was just taken are still held, batching the sets of one cycle: the requests made
 * in the same tick go together, and those made while a confirmation is in flight go together in
 * the next one (never answered by a round trip sent before they asked: it must follow their epoch).
 */
export class HeldConfirmation {
  readonly #distributor: ProjectionDistributor;
  readonly #signal: () => AbortSignal;
  #queued: Waiter[] = [];
  #flushing = false;

  /** `signal` is read at each flush (the ownership's current lifetime). */
  constructor(distributor: ProjectionDistributor, signal: () => AbortSignal) {
    this.#distributor = distributor;
    this.#signal = signal;
  }

  /** Whether confirmations are made at all (the distributor implements `confirmHeld`). */
  get enabled(): boolean {
    return this.#distributor.confirmHeld !== undefined;
  }

  /** Resolves whether `set` is still held, asked after this call; rejects when the round trip could not be asked (disposed, aborted). */
  confirm(set: ProjectionSet): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#queued.push({ set, resolve, reject });
      if (this.#flushing) return;
      this.#flushing = true;
      queueMicrotask(() => void this.#flush());
    });
  }

  async #flush(): Promise<void> {
    while (this.#queued.length > 0) {
      const batch = this.#queued;
      this.#queued = [];
      try {
        const confirmed = await this.#distributor.confirmHeld!(
          batch.map((waiter) => waiter.set),
          { signal: this.#signal() },
        );
        for (const waiter of batch) waiter.resolve(confirmed.has(waiter.set.key));
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    this.#flushing = false;
  }
}
