import { PolecatError, isPolecatError } from '@polecat/kit';
import { describe, expect, it } from 'vitest';
import { AppLockError, CoordinatorError, DiAdapterError, DistributorError, FencingError, LockLostError, StaleEpochError } from '../src/index';

// Every error family of the packages the umbrella re-exports extends @polecat/kit's PolecatError:
// one check recognises them all, and each family keeps its name, code, message and own checks.
describe('the error families of the umbrella', () => {
  const families = [
    ['AppLockError', new AppLockError('CONNECTION_FAILED', 'unreachable'), AppLockError.is],
    ['LockLostError', new LockLostError([7], 'connection-lost'), AppLockError.is],
    ['DistributorError', new DistributorError('DISPOSED', 'disposed'), DistributorError.is],
    ['CoordinatorError', new CoordinatorError('TIMEOUT', 'too slow'), CoordinatorError.is],
    ['DiAdapterError', new DiAdapterError('UNKNOWN_STORE', 'no such store'), DiAdapterError.is],
    ['FencingError', new FencingError('INVALID_KEY', 'bad key'), FencingError.is],
    ['StaleEpochError', new StaleEpochError('k', 1n, 2n), FencingError.is],
  ] as const;

  it.each(families)('%s is a PolecatError and keeps its own name and brand check', (name, error, isFamily) => {
    expect(isPolecatError(error)).toBe(true);
    expect(PolecatError.is(error)).toBe(true);
    expect(error).toBeInstanceOf(PolecatError);
    expect(error.name).toBe(name);
    expect(isFamily(error)).toBe(true);
  });

  it('tells the families apart', () => {
    for (const [, error] of families) {
      const matches = [AppLockError.is, DistributorError.is, CoordinatorError.is, DiAdapterError.is, FencingError.is].filter((is) => is(error));
      expect(matches).toHaveLength(1);
    }
  });

  it('keeps the retryable rules: a connection failure and a lost lock are retryable, the rest not by default', () => {
    expect(new AppLockError('CONNECTION_FAILED', 'x').retryable).toBe(true);
    expect(new AppLockError('INVALID_LOCK_ID', 'x').retryable).toBe(false);
    expect(new LockLostError(['a'], 'verification-failed').retryable).toBe(true);
    expect(new CoordinatorError('DISPOSED', 'x').retryable).toBe(false);
    expect(CoordinatorError.hasCode(new CoordinatorError('DISPOSED', 'x', { cause: 'why' }), 'DISPOSED')).toBe(true);
  });
});
