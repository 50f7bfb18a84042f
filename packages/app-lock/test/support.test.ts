import { describe, expect, it, vi } from 'vitest';
import { assertLockId, isLockId } from '../src/lock-id';
import { toLogger, type PinoLike } from '../src/logger';
import { redactConnectionString } from '../src/redact';

describe('lock ids', () => {
  it('accepts int32 integers and non-empty strings only', () => {
    expect([0, -1, 2 ** 31 - 1, -(2 ** 31), 'a'].every(isLockId)).toBe(true);
    expect([Number.NaN, 0.5, 2 ** 31, -(2 ** 31) - 1, '', Infinity].some(isLockId)).toBe(false);
    expect(() => assertLockId(Number.NaN)).toThrow(/NaN/);
    expect(() => assertLockId(2 ** 31)).toThrow(/outside the signed 32-bit range/);
  });
});

describe('toLogger', () => {
  it('calls console-shaped loggers with (message, context)', () => {
    const info = vi.fn();
    const logger = toLogger({ debug: vi.fn(), info, warn: vi.fn(), error: vi.fn() });
    logger.info('hello', { a: 1 });
    expect(info).toHaveBeenCalledWith('hello', { a: 1 });
  });

  it('calls pino-shaped loggers with (context, message)', () => {
    const warn = vi.fn();
    const pinoShaped: PinoLike = { debug: vi.fn(), info: vi.fn(), warn, error: vi.fn(), child: vi.fn(), level: 'info' };
    const logger = toLogger(pinoShaped);
    logger.warn('careful', { b: 2 });
    expect(warn).toHaveBeenCalledWith({ b: 2 }, 'careful');
  });
});

describe('redactConnectionString', () => {
  it.each([
    ['postgres://app:s3cret@db:5432/x', 's3cret'],
    ['Server=db;Database=x;User Id=sa;Password=s3cret;Encrypt=true', 's3cret'],
    ['Server=db;Pwd={s3;cret};', 's3;cret'],
    ["Server=db;Password='s3cret'", 's3cret'],
    ['mssql://sa:s3cret@db/x?password=other', 'other'],
  ])('removes the secret from %s', (input, secret) => {
    const out = redactConnectionString(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });
});
