import { AppLockError, type AppLockErrorCode } from '@polecat/app-lock';

/**
 * The ONE place where the PostgreSQL backend turns what went wrong into an `AppLockError`: driver
 * errors and SQLSTATEs ({@link postgresLockError}), refused configuration
 * ({@link invalidConfiguration}) and lock sessions that are not dedicated ({@link unsafeConnection}).
 */

/** `lock_not_available`: a `lock_timeout` expired (a bounded wait that did not get the lock: not an error). */
export const LOCK_NOT_AVAILABLE = '55P03';
/** `query_canceled`: `cancelWait` (or a `statement_timeout`) ended the statement. */
export const QUERY_CANCELED = '57014';

/** What the backend was doing when the error happened (picks the code of errors that are not the server's). */
export type PostgresOperation = 'connect' | 'cancel' | 'request';

/** The SQLSTATE of a `pg` error, if it has one. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * The `AppLockError` code of a driver error, by SQLSTATE class: connection exceptions (`08`),
 * operator intervention (`57P0x`: shutdown, crash, terminated), insufficient resources (`53`:
 * too many connections) and a failed connect without SQLSTATE (refused, DNS, TLS, timeout) are
 * `CONNECTION_FAILED` (retryable, except authentication `28` and a missing database `3D000`,
 * which no retry fixes); anything else during a request is `LOCK_REQUEST_FAILED`.
 */
export function postgresErrorCode(error: unknown, operation: PostgresOperation): { code: AppLockErrorCode; retryable: boolean } {
  if (AppLockError.is(error)) return { code: error.code, retryable: error.retryable };
  const state = sqlStateOf(error);
  if (state === undefined) return operation === 'connect' ? { code: 'CONNECTION_FAILED', retryable: true } : { code: 'LOCK_REQUEST_FAILED', retryable: false };
  if (state.startsWith('28') || state === '3D000') return { code: 'CONNECTION_FAILED', retryable: false };
  if (state.startsWith('08') || state.startsWith('53') || state.startsWith('57P')) return { code: 'CONNECTION_FAILED', retryable: true };
  if (state === QUERY_CANCELED && operation === 'request') return { code: 'LOCK_REQUEST_CANCELLED', retryable: false };
  return operation === 'connect' ? { code: 'CONNECTION_FAILED', retryable: true } : { code: 'LOCK_REQUEST_FAILED', retryable: false };
}

/**
 * `error` as an `AppLockError` (returned unchanged when it already is one), with `message` and
 * the code {@link postgresErrorCode} picks; the driver error is the `cause`.
 */
export function postgresLockError(error: unknown, operation: PostgresOperation, message: string): AppLockError {
  if (AppLockError.is(error)) return error;
  const { code, retryable } = postgresErrorCode(error, operation);
  return new AppLockError(code, message, { cause: error, retryable });
}

/** `INVALID_CONFIGURATION` with `message` (which must not contain a secret). */
export function invalidConfiguration(message: string): AppLockError {
  return new AppLockError('INVALID_CONFIGURATION', message);
}

/**
 * Why a lock session is not dedicated: `pooled` (the connect-time proof saw the server session
 * handed to another client), `moved` (a statement ran on another server session than the proven
 * one), `shared` (the proven server session holds advisory locks this client did not take, or lost
 * some it took), `unproven` (a pooler gave the proof no answer in time: retryable).
 */
export type UnsafeReason = 'pooled' | 'moved' | 'shared' | 'unproven';

const ADVICE =
  'Connect the lock directly to PostgreSQL, or through a pool in session mode (PgBouncer pool_mode = session, ' +
  "Supabase's session pooler port 5432, Neon's host without -pooler); see the README section on poolers.";

/** `UNSAFE_CONNECTION` (or, for `unproven`, a retryable `CONNECTION_FAILED`) explaining `reason` for `target`. */
export function unsafeConnection(reason: UnsafeReason, target: string, detail: string): AppLockError {
  const what: Record<UnsafeReason, string> = {
    pooled: `The PostgreSQL lock connection to ${target} goes through a pooler in transaction or statement mode: ${detail}, so session locks would leak to other clients or vanish. Nothing was locked.`,
    moved: `The PostgreSQL lock connection to ${target} ran a statement on another server session than the one it proved at connect (${detail}): a pooler in transaction or statement mode (PgBouncer, RDS Proxy, Supavisor, ...) hands the session to other clients. The statement took and released nothing; the session's locks are treated as lost.`,
    shared: `The PostgreSQL server session of the lock connection to ${target} is shared with another client (${detail}): a pooler in transaction or statement mode. Nothing more was locked; the session's locks are treated as lost.`,
    unproven: `Could not prove that the PostgreSQL lock connection to ${target} has a server session of its own (${detail}). Nothing was locked.`,
  };
  if (reason === 'unproven') return new AppLockError('CONNECTION_FAILED', `${what[reason]} ${ADVICE}`, { retryable: true });
  return new AppLockError('UNSAFE_CONNECTION', `${what[reason]} ${ADVICE}`, { retryable: false });
}
