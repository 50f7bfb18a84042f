import { describe, expect, it } from 'vitest';
import { AppLockError } from '@polecat/app-lock';
import { postgresErrorCode, postgresLockError, sqlStateOf, unsafeConnection } from '../src/internal/postgres-errors';

const driverError = (code?: string): Error => Object.assign(new Error('boom'), code === undefined ? {} : { code });

describe('one PostgreSQL error mapper', () => {
  it('maps SQLSTATE classes to AppLockError codes, retryable only where a retry can help', () => {
    expect(postgresErrorCode(driverError('08006'), 'request')).toEqual({ code: 'CONNECTION_FAILED', retryable: true });
    expect(postgresErrorCode(driverError('57P01'), 'request')).toEqual({ code: 'CONNECTION_FAILED', retryable: true });
    expect(postgresErrorCode(driverError('53300'), 'connect')).toEqual({ code: 'CONNECTION_FAILED', retryable: true });
    expect(postgresErrorCode(driverError('28P01'), 'connect')).toEqual({ code: 'CONNECTION_FAILED', retryable: false });
    expect(postgresErrorCode(driverError('3D000'), 'connect')).toEqual({ code: 'CONNECTION_FAILED', retryable: false });
    expect(postgresErrorCode(driverError('57014'), 'request')).toEqual({ code: 'LOCK_REQUEST_CANCELLED', retryable: false });
    expect(postgresErrorCode(driverError('42501'), 'request')).toEqual({ code: 'LOCK_REQUEST_FAILED', retryable: false });
  });

  it('treats an error without SQLSTATE as a failed connect while connecting, a failed request otherwise', () => {
    expect(postgresErrorCode(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'connect')).toEqual({ code: 'CONNECTION_FAILED', retryable: true });
    expect(postgresErrorCode(new Error('odd'), 'cancel')).toEqual({ code: 'LOCK_REQUEST_FAILED', retryable: false });
    expect(sqlStateOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });

  it('keeps an AppLockError as it is and wraps anything else with the driver error as cause', () => {
    const original = new AppLockError('DISPOSED', 'gone');
    expect(postgresLockError(original, 'connect', 'ignored')).toBe(original);
    const cause = driverError('08001');
    const wrapped = postgresLockError(cause, 'connect', 'could not connect');
    expect(wrapped.code).toBe('CONNECTION_FAILED');
    expect(wrapped.cause).toBe(cause);
  });

  it('explains an unsafe connection and what to use instead; an unproven one may be retried', () => {
    const pooled = unsafeConnection('pooled', 'postgres://u@h/db', 'same server session');
    expect(pooled.code).toBe('UNSAFE_CONNECTION');
    expect(pooled.retryable).toBe(false);
    expect(pooled.message).toMatch(/transaction or statement mode/);
    expect(pooled.message).toMatch(/session mode/);
    const unproven = unsafeConnection('unproven', 'postgres://u@h/db', 'pool exhausted');
    expect(unproven.code).toBe('CONNECTION_FAILED');
    expect(unproven.retryable).toBe(true);
  });
});
