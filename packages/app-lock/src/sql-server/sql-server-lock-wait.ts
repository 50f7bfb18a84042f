/**
 * How long ONE `sp_getapplock` batch may wait on purpose, per Microsoft's documented semantics of
 * `@LockTimeout` (https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql):
 * "Lock time-out value in milliseconds ... To indicate that a lock request should return a value
 * of -1 instead of waiting when the request can't be granted immediately, specify 0"; return
 * value 1 means "the lock was granted successfully after waiting for other incompatible locks to
 * be released", -1 "the lock request timed out". Each call waits up to its own `@LockTimeout`, so
 * a batch of N names held elsewhere would wait N x `lockTimeoutMs`, far beyond a request timeout
 * sized for one wait (the request then times out, the connection is destroyed and every held lock
 * is lost). So only a single-name request waits; a batch asks every name with `@LockTimeout = 0`.
 */
export function sqlServerLockTimeoutFor(keyCount: number, lockTimeoutMs: number): number {
  return keyCount === 1 ? lockTimeoutMs : 0;
}

/**
 * The request budget of one acquire batch of `keyCount` names: the plain request timeout plus the
 * longest deliberate wait ({@link sqlServerLockTimeoutFor}). Verification and release batches
 * never wait, so they keep the plain request timeout (a stalled connection is noticed as fast).
 */
export function sqlServerAcquireBudgetMs(keyCount: number, lockTimeoutMs: number, requestTimeoutMs: number): number {
  return requestTimeoutMs + sqlServerLockTimeoutFor(keyCount, lockTimeoutMs);
}
