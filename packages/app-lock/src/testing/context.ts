import { afterEach } from 'vitest';
import type { AppLock } from '../app-lock';
import type { AppLockConformanceHarness, ConformanceLockOptions, CuttableLock } from './harness';

/** What each group of cases gets: the harness plus owner factories that clean up after each test. */
export interface ConformanceContext<L extends AppLock = AppLock> {
  readonly harness: AppLockConformanceHarness<L>;
  /** A new owner, disposed after the test. */
  owner(options?: ConformanceLockOptions): Promise<L>;
  /** A new cuttable owner (requires `harness.createCuttableLock`), disposed and closed after the test. */
  cuttable(options?: ConformanceLockOptions): Promise<CuttableLock<L>>;
}

/** Registers the `afterEach` clean-up and returns the context. Call inside a `describe`. */
export function createConformanceContext<L extends AppLock>(harness: AppLockConformanceHarness<L>): ConformanceContext<L> {
  const owners: L[] = [];
  const cuttables: CuttableLock<L>[] = [];
  afterEach(async () => {
    const disposing = owners.splice(0).map((lock) => lock.dispose().catch(() => undefined));
    await Promise.all(disposing);
    for (const cuttable of cuttables.splice(0)) {
      await cuttable.lock.dispose().catch(() => undefined);
      await cuttable.close?.();
    }
  });
  return {
    harness,
    async owner(options) {
      const lock = await harness.createLock(options);
      owners.push(lock);
      return lock;
    },
    async cuttable(options) {
      if (harness.createCuttableLock === undefined) throw new Error(`${harness.name}: createCuttableLock is not supported`);
      const cuttable = await harness.createCuttableLock(options);
      cuttables.push(cuttable);
      return cuttable;
    },
  };
}
