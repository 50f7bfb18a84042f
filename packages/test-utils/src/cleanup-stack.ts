/**
 * Undo steps of a test, run newest first: {@link CleanupStack.add} a step as soon as a resource
 * exists, {@link CleanupStack.run} them all after the test. A failing step does not stop the
 * others; the failures are thrown together afterwards. `@polecat/test-utils/vitest`'s
 * `cleanupAfterEach()` wires one to vitest's `afterEach`.
 */
export class CleanupStack {
  readonly #steps: (() => unknown)[] = [];

  /** Registers `step` (sync or async); it runs before every step added earlier. */
  add(step: () => unknown): void {
    this.#steps.push(step);
  }

  /** How many steps wait to run. */
  get size(): number {
    return this.#steps.length;
  }

  /** Runs and forgets every step, newest first; rejects with the failure (or an AggregateError of them). */
  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const step of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} cleanup steps failed`);
  }
}
