import { cleanupAfterEach } from '@polecat/test-utils/vitest';
import type { harness } from './harness';

/**
 * Registers an `afterEach` that disposes every coordinator handed to the returned `track` during
 * the test (call it once at the top of a test file).
 */
export function disposeAfterEach(): <T extends ReturnType<typeof harness>>(h: T) => T {
  const cleanup = cleanupAfterEach();
  return (h) => {
    cleanup(() => h.coordinator.dispose());
    return h;
  };
}
