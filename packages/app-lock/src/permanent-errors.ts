import { AppLockError, type AppLockErrorCode } from './errors';

/**
 * What to fix for each permanent failure. The backends' error mappers (`postgres-errors.ts`,
 * `sql-server-errors.ts`) decide, once per backend, which driver errors are not retryable; a
 * non-retryable error of one of these codes is permanent: no retry fixes it.
 */
const FIXES: Partial<Record<AppLockErrorCode, string>> = {
  CONNECTION_FAILED: 'check the user, the password and the database name of the lock connection (the server refused the login or has no such database)',
  UNSAFE_CONNECTION: 'connect the lock directly to the database, or through a pooler in session mode',
  INVALID_CONFIGURATION: 'fix the lock configuration',
};

/**
 * The permanent lock error in `error` or its `cause` chain: an `AppLockError` that its backend
 * classified as not retryable because of authentication, a missing database, a refused pooler or
 * invalid configuration. `undefined` for a transient failure (unreachable, timeout, reset), which
 * is retried with backoff.
 * @example const permanent = permanentLockError(event.error); if (permanent) stop(permanent.fix);
 */
export function permanentLockError(error: unknown): { readonly error: AppLockError; readonly fix: string } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (AppLockError.is(current) && !current.retryable) {
      const fix = FIXES[current.code];
      return fix === undefined ? undefined : { error: current, fix };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
