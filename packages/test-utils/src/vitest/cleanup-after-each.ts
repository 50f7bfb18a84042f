import { afterEach } from 'vitest';
import { CleanupStack } from '../cleanup-stack';

/**
 * Registers (at the top level of a test file or a `describe`) an `afterEach` that runs, newest
 * first, every step given to the returned function during the test.
 * @example
 * const cleanup = cleanupAfterEach();
 * it('...', async () => { const node = await start(); cleanup(() => node.dispose()); });
 */
export function cleanupAfterEach(): (step: () => unknown) => void {
  const stack = new CleanupStack();
  afterEach(() => stack.run());
  return (step) => stack.add(step);
}
