import { isPolecatError } from '@polecat/kit';
import { describe, expect, it } from 'vitest';
import { OpsError } from '../src/index';

describe('OpsError', () => {
  it('is recognised as a @polecat error and keeps its name, code, cause and own checks', () => {
    const cause = new Error('relation does not exist');
    const error = new OpsError('SCHEMA_MISSING', 'run polecat init', { cause });
    expect(isPolecatError(error)).toBe(true);
    expect(error.name).toBe('OpsError');
    expect(error.code).toBe('SCHEMA_MISSING');
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(false);
    expect(OpsError.is(error)).toBe(true);
    expect(OpsError.hasCode(error, 'SCHEMA_MISSING')).toBe(true);
    expect(OpsError.hasCode(error, 'QUERY_FAILED')).toBe(false);
    expect(OpsError.is(new Error('plain'))).toBe(false);
  });
});
