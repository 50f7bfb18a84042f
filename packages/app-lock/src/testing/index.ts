export type { AppLockConformanceHarness, ConformanceLockOptions, CuttableLock } from './harness';
export { runAppLockConformance } from './run-app-lock-conformance';
export { BAD_LOCK_IDS } from './input-cases';
