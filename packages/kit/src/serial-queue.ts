/**
 * Runs async operations one at a time, in call order: each starts once every operation queued
 * before it has settled (fulfilled or rejected), and a failure never blocks the ones after it.
 * One connection answering one request at a time, or a lifecycle's pause / resume / stop.
 * @example
 * const queue = new SerialQueue();
 * void queue.run(() => connection.query('select 1'));
 * await queue.run(() => connection.query('select 2')); // after the first settled
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `operation` after every operation queued before it settled; resolves or rejects as it does. */
  run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(operation, operation);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
