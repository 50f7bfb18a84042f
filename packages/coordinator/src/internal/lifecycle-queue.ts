/** Runs operations one after the other (pause / resume / stop): each waits for the previous to finish. */
export class LifecycleQueue {
  #last: Promise<unknown> = Promise.resolve();

  /** Runs `operation` once every operation queued before it has finished (fulfilled or not). */
  run<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.#last.then(operation, operation);
    this.#last = next.catch(() => undefined);
    return next;
  }
}
