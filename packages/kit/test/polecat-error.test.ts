import { describe, expect, it } from 'vitest';
import { PolecatError, hasBrand, isPolecatError } from '../src/index';

const familyBrand = Symbol.for('@polecat/kit-test/TestError');

class TestError extends PolecatError<'BROKEN' | 'FLAKY'> {
  readonly [familyBrand] = true;

  constructor(code: 'BROKEN' | 'FLAKY', message: string, cause?: unknown) {
    super(code, message, { cause, retryable: code === 'FLAKY' });
    this.name = 'TestError';
  }

  static override is(value: unknown): value is TestError {
    return hasBrand(value, familyBrand);
  }
}

describe('PolecatError', () => {
  it('carries the code, the message and the cause, and is not retryable by default', () => {
    const cause = new Error('socket closed');
    const error = new PolecatError('SOMETHING', 'it broke', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('SOMETHING');
    expect(error.message).toBe('it broke');
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(false);
    expect(error.name).toBe('PolecatError');
  });

  it('leaves `cause` unset when none is given', () => {
    expect('cause' in new PolecatError('X', 'no cause')).toBe(false);
  });

  it('takes `retryable` from its options', () => {
    expect(new PolecatError('X', 'later', { retryable: true }).retryable).toBe(true);
  });

  it('recognises an error of any family, and nothing else', () => {
    const family = new TestError('BROKEN', 'family error');
    expect(PolecatError.is(family)).toBe(true);
    expect(isPolecatError(family)).toBe(true);
    expect(PolecatError.is(new Error('plain'))).toBe(false);
    expect(isPolecatError({ code: 'BROKEN' })).toBe(false);
    expect(isPolecatError(null)).toBe(false);
    expect(isPolecatError('BROKEN')).toBe(false);
  });

  it('recognises an error from a duplicate copy of the package by its global brand', () => {
    const fromOtherCopy = Object.assign(new Error('copy'), { [Symbol.for('@polecat/kit/PolecatError')]: true });
    expect(isPolecatError(fromOtherCopy)).toBe(true);
  });

  it('lets a family keep its own name, codes, retryable rule and brand check', () => {
    const error = new TestError('FLAKY', 'try again');
    expect(error.name).toBe('TestError');
    expect(error.retryable).toBe(true);
    expect(String(error)).toBe('TestError: try again');
    expect(TestError.is(error)).toBe(true);
    expect(TestError.is(new PolecatError('FLAKY', 'another family'))).toBe(false);
  });
});

describe('hasBrand', () => {
  it('is true only for objects whose brand property is exactly true', () => {
    const brand = Symbol('brand');
    expect(hasBrand({ [brand]: true }, brand)).toBe(true);
    expect(hasBrand({ [brand]: 'yes' }, brand)).toBe(false);
    expect(hasBrand({}, brand)).toBe(false);
    expect(hasBrand(undefined, brand)).toBe(false);
  });
});
