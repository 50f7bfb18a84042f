import { createHash } from 'node:crypto';
import { AppLockError } from '../errors';
import { assertLockId, type LockId } from '../lock-id';

/**
 * Longest `@Resource` SQL Server keeps: `sp_getapplock`'s parameter is `nvarchar(255)` and longer
 * values are silently truncated, so two long names sharing their first 255 characters would be one
 * lock. See https://learn.microsoft.com/sql/relational-databases/system-stored-procedures/sp-getapplock-transact-sql
 */
export const SQL_SERVER_MAX_RESOURCE_LENGTH = 255;

/** Hex characters of the SHA-256 digest appended to names that would exceed the limit. */
const HASH_LENGTH = 32;
/** Longest prefix accepted: a long name still keeps some readable characters before its hash. */
const MAX_PREFIX_LENGTH = SQL_SERVER_MAX_RESOURCE_LENGTH - HASH_LENGTH - 1 - 32;

/**
 * Checks a resource prefix (`resourcePrefix` option). Throws `AppLockError`
 * `INVALID_CONFIGURATION` when it is not a string or is longer than 190 characters.
 */
export function assertSqlServerResourcePrefix(prefix: unknown): asserts prefix is string {
  if (typeof prefix !== 'string') {
    throw new AppLockError('INVALID_CONFIGURATION', `resourcePrefix must be a string, got ${prefix === null ? 'null' : typeof prefix}`);
  }
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw new AppLockError(
      'INVALID_CONFIGURATION',
      `resourcePrefix is ${prefix.length} characters; at most ${MAX_PREFIX_LENGTH} are allowed so that every resource name fits SQL Server's ${SQL_SERVER_MAX_RESOURCE_LENGTH}-character limit`,
    );
  }
}

/**
 * The `sp_getapplock` resource name of a lock id, deterministic across processes and versions:
 *
 * - number `n` (a signed 32-bit integer): `${prefix}${n}` in plain decimal (`4444`, `-17`), so with
 *   the default empty prefix a .NET Polecat node using the plain decimal lock id races for the same
 *   resource;
 * - string `s`: `${prefix}${s}`, unchanged (SQL Server compares resource names as binary, so the
 *   name is case-sensitive);
 * - anything longer than 255 UTF-16 code units becomes its first 222 characters, `#`, and the first
 *   32 hex characters of the SHA-256 of the whole (UTF-8) name: exactly 255 characters, and two
 *   distinct names never meet through truncation.
 *
 * Note that `5` and `"5"` map to the same resource with an empty prefix (a .NET node only knows
 * numbers); give string ids a prefix of their own if that matters.
 *
 * @throws AppLockError `INVALID_LOCK_ID` for an invalid id, `INVALID_CONFIGURATION` for a bad prefix.
 * @example sqlServerResourceName(4444) // '4444'
 * @example sqlServerResourceName('orders:All', 'polecat:') // 'polecat:orders:All'
 */
export function sqlServerResourceName(id: LockId, prefix = ''): string {
  assertLockId(id);
  assertSqlServerResourcePrefix(prefix);
  const name = `${prefix}${typeof id === 'number' ? id.toString(10) : id}`;
  if (name.length <= SQL_SERVER_MAX_RESOURCE_LENGTH) return name;
  const digest = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  let head = name.slice(0, SQL_SERVER_MAX_RESOURCE_LENGTH - HASH_LENGTH - 1);
  // Do not keep half of a surrogate pair: nvarchar would store an unpaired surrogate.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}#${digest}`;
}
