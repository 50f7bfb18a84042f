import { afterEach } from 'vitest';
import type { harness } from './harness';

/**
 * Registers an `afterEach` that disposes every coordinator handed to the returned `track` during
 * the test (call it once at the top of a test file).
 */
export function disposeAfterEach(): <T extends ReturnType<typeof harness>>(h: T) => T {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  return (h) => {
    cleanups.push(() => h.coordinator.dispose());
    return h;
  };
}
