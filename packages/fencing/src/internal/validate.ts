import { FencingError } from '../fencing-error';

/** Longest fencing key: SQL Server indexes at most 900 bytes, i.e. nvarchar(450). */
export const MAX_KEY_LENGTH = 450;

/** Throws `INVALID_KEY` unless `key` is a 1..450 character string without NUL (PostgreSQL text cannot hold NUL). */
export function assertKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || key.includes('\u0000')) {
    const detail =
      typeof key !== 'string'
        ? `got ${key === null ? 'null' : typeof key}`
        : key.length === 0
          ? 'it is empty'
          : key.includes('\u0000')
            ? 'it contains NUL'
            : `it has ${key.length} characters`;
    throw new FencingError('INVALID_KEY', `A fencing key must be a string of 1 to ${MAX_KEY_LENGTH} characters without NUL; ${detail}`);
  }
}

/** Normalises an epoch to a positive bigint, or throws `INVALID_EPOCH`. */
export function toEpoch(epoch: unknown): bigint {
  if (typeof epoch === 'bigint' && epoch > 0n && epoch <= 9_223_372_036_854_775_807n) return epoch;
  if (typeof epoch === 'number' && Number.isSafeInteger(epoch) && epoch > 0) return BigInt(epoch);
  throw new FencingError(
    'INVALID_EPOCH',
    `An epoch must be a positive 64-bit integer; got ${typeof epoch === 'bigint' || typeof epoch === 'number' ? String(epoch) : typeof epoch}`,
  );
}

/** Reads an epoch column value (pg returns bigint as a string; mssql as a string or number). */
export function readEpoch(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw new FencingError('STORE_FAILED', `The epoch table returned an unexpected epoch value (${typeof value})`);
}

/** Throws `ABORTED` (with the signal's reason as cause) when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FencingError('ABORTED', 'The fencing operation was aborted', { cause: signal.reason });
}
