import { DistributorError } from './errors';
import { abs32, add32, isInt32 } from './internal/int32';
import { hash32 } from './lock-id-hash';

/** The default lock id base of the originals (`daemonLockId`). */
export const DEFAULT_DAEMON_LOCK_ID = 4444;

/** The default schema used in the lock-id hash when a database names none. */
export const DEFAULT_SCHEMA = 'dbo';

/**
 * The lock id of a shard (or of any key) as the .NET originals compute it:
 * `abs(hash32(schema + ":" + shardIdentity)) + daemonLockId`, in signed 32-bit arithmetic that
 * wraps. A TypeScript node and a .NET Polecat node configured alike race for the same lock.
 *
 * Edge cases (decided here; .NET would throw on the first):
 * - `hash32 = -2^31`: the absolute value wraps to `-2^31` (unchecked C# negation), it does not throw;
 * - the addition of `daemonLockId` wraps like unchecked C# `int` addition, so a lock id can be
 *   negative. It is still a valid 32-bit `LockId`.
 *
 * @param schema the store's schema, e.g. `dbo` (SQL Server) or `public` (PostgreSQL).
 * @param shardIdentity the store-global shard identity (`Name:ShardKey`, no tenant suffix).
 * @param daemonLockId the base added to the hash. Default {@link DEFAULT_DAEMON_LOCK_ID} (4444).
 * @throws DistributorError `INVALID_CONFIGURATION` when `daemonLockId` is not a 32-bit integer.
 * @example computeLockId('public', 'Trip:All') // 255106635
 * @example computeLockId('dbo', 'Trip:All') // 1427457373
 */
export function computeLockId(schema: string, shardIdentity: string, daemonLockId: number = DEFAULT_DAEMON_LOCK_ID): number {
  assertDaemonLockId(daemonLockId);
  return add32(abs32(hash32(`${schema}:${shardIdentity}`)), daemonLockId);
}

/** Throws `DistributorError` (`INVALID_CONFIGURATION`) unless `value` is a signed 32-bit integer. */
export function assertDaemonLockId(value: number): void {
  if (!isInt32(value)) {
    throw new DistributorError('INVALID_CONFIGURATION', `daemonLockId must be a signed 32-bit integer, got ${String(value)}`);
  }
}
