// The SQL Server backend's errors room: every server result code and driver error becomes an
// AppLockError here (mapSqlServerError is the ONE mapper of driver errors), nowhere else.
import { AppLockError } from '../errors';

/**
 * What an `sp_getapplock` return value means. Documented values
 * (https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql):
 * `0` granted at once, `1` granted after waiting, `-1` timed out, `-2` cancelled, `-3` deadlock
 * victim, `-999` parameter validation or other call error.
 *
 * Returns `true` when granted, `false` when not granted (`-1`: someone else holds it; losing the
 * race is not an error), and throws `AppLockError` for every other value: `-2`
 * `LOCK_REQUEST_CANCELLED`, `-3` `LOCK_DEADLOCK_VICTIM`, `-999` and anything undocumented
 * (including `null`) `LOCK_REQUEST_FAILED`.
 */
export function interpretGetAppLockResult(code: unknown, resource: string): boolean {
  switch (code) {
    case 0:
    case 1:
      return true;
    case -1:
      return false;
    case -2:
      throw new AppLockError('LOCK_REQUEST_CANCELLED', `sp_getapplock cancelled the request for resource ${quote(resource)} (-2)`, { retryable: true });
    case -3:
      throw new AppLockError('LOCK_DEADLOCK_VICTIM', `sp_getapplock chose the request for resource ${quote(resource)} as a deadlock victim (-3)`, {
        retryable: true,
      });
    case -999:
      throw new AppLockError('LOCK_REQUEST_FAILED', `sp_getapplock refused resource ${quote(resource)}: parameter validation or other call error (-999)`);
    default:
      throw new AppLockError('LOCK_REQUEST_FAILED', `sp_getapplock returned an undocumented value ${String(code)} for resource ${quote(resource)}`);
  }
}

/**
 * What an `sp_releaseapplock` return value means
 * (https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-releaseapplock-transact-sql):
 * `0` released, `-999` parameter validation or other call error. The release batch only calls it
 * for resources `APPLOCK_MODE` reports held, and reports `null` for the others (nothing to do).
 * Throws `AppLockError` `LOCK_REQUEST_FAILED` for `-999` or anything undocumented.
 */
export function interpretReleaseAppLockResult(code: unknown, resource: string): void {
  if (code === 0 || code === null) return;
  throw new AppLockError(
    'LOCK_REQUEST_FAILED',
    code === -999
      ? `sp_releaseapplock refused resource ${quote(resource)}: parameter validation or other call error (-999)`
      : `sp_releaseapplock returned an undocumented value ${String(code)} for resource ${quote(resource)}`,
  );
}

/**
 * Whether an `APPLOCK_MODE(..., 'Session')` answer means this session holds the exclusive lock.
 * Documented modes: `NoLock`, `Update`, `SharedIntentExclusive`, `IntentShared`,
 * `IntentExclusive`, `UpdateIntentExclusive`, `Shared`, `Exclusive`
 * (https://learn.microsoft.com/sql/t-sql/functions/applock-mode-transact-sql).
 */
export function isExclusiveMode(mode: unknown): boolean {
  return mode === 'Exclusive';
}

/** Driver error codes (mssql `MSSQLError.code`, tedious, Node `net`) treated as "cannot reach the server". */
const CONNECTIVITY_CODES = new Set([
  'ESOCKET',
  'ETIMEOUT',
  'ECONNCLOSED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EINSTLOOKUP',
  'ENOTOPEN',
  'ECLOSE',
]);

/**
 * Maps an error thrown by mssql/tedious to an `AppLockError`, keeping the driver error as `cause`.
 * Messages name the redacted `target` (never a password); mssql and tedious messages themselves do
 * not carry the password (login failures say `Login failed for user 'x'.`).
 *
 * - `ELOGIN` → `CONNECTION_FAILED` (not retryable: wrong user/password or missing database);
 * - socket, timeout, DNS, refused, reset, closed → `CONNECTION_FAILED` (retryable);
 * - `EREQUEST` and everything else → `LOCK_REQUEST_FAILED`;
 * - an `AppLockError` passes through unchanged.
 *
 * @param stage `'connect'` while opening the session, `'request'` afterwards.
 */
export function mapSqlServerError(error: unknown, target: string, stage: 'connect' | 'request'): AppLockError {
  if (AppLockError.is(error)) return error;
  const code = driverErrorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (code === 'ELOGIN') {
    return new AppLockError('CONNECTION_FAILED', `SQL Server refused the login to ${target}: ${detail}`, { cause: error, retryable: false });
  }
  if ((code !== undefined && CONNECTIVITY_CODES.has(code)) || stage === 'connect') {
    const verb = stage === 'connect' ? 'Could not connect to' : 'Lost the connection to';
    return new AppLockError('CONNECTION_FAILED', `${verb} SQL Server ${target}${code ? ` (${code})` : ''}: ${detail}`, { cause: error, retryable: true });
  }
  return new AppLockError('LOCK_REQUEST_FAILED', `SQL Server lock request to ${target} failed${code ? ` (${code})` : ''}: ${detail}`, { cause: error });
}

/** The `code` of an mssql/tedious/Node error, looking through mssql's `originalError` wrapper. */
export function driverErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string' && own !== '') return own;
  const original = (error as { originalError?: unknown }).originalError;
  return original === undefined || original === error ? undefined : driverErrorCode(original);
}

function quote(resource: string): string {
  return JSON.stringify(resource.length > 80 ? `${resource.slice(0, 77)}...` : resource);
}
