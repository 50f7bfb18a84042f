import { createHash } from 'node:crypto';
import { assertLockId, type LockId } from '@polecat/app-lock';

const INT32_MIN = -2_147_483_648n;
const INT32_MAX = 2_147_483_647n;
const SIGN_BIT = 1n << 63n;

/**
 * The PostgreSQL advisory-lock key (a signed 64-bit `bigint`, as a decimal string) of a lock id.
 *
 * - A number (a signed 32-bit integer) is used as is: `4444` → `'4444'`. It is the same lock as
 *   Marten/Polecat's `pg_try_advisory_lock(4444)`, so a .NET node and a Node node exclude each other.
 * - A string is hashed: the first 8 bytes of SHA-256 over its UTF-8 bytes, read as a big-endian
 *   signed 64-bit integer. Names of any length work and are never truncated; two different names
 *   share a key only on a 64-bit hash collision (about 1 in 10^19 per pair).
 * - Numbers and strings never share a key: when a string's hash falls in the 32-bit range, its sign
 *   bit is flipped (which moves it out of that range). `5` and `'5'` are different locks.
 *
 * Throws `AppLockError` `INVALID_LOCK_ID` for anything that is not a {@link LockId}.
 * @example postgresLockKey(4444) // '4444'
 */
export function postgresLockKey(id: LockId): string {
  assertLockId(id);
  if (typeof id === 'number') return String(id);
  let key = createHash('sha256').update(id, 'utf8').digest().readBigInt64BE(0);
  if (key >= INT32_MIN && key <= INT32_MAX) key = BigInt.asIntN(64, key ^ SIGN_BIT);
  return key.toString();
}
