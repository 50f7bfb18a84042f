import { isPolecatError } from '@polecat/kit';
import { CoordinatorError } from '@polecat/polecat';
import { describe, expect, it } from 'vitest';
import { EmmettCoordinationError } from '../src/index';

describe('EmmettCoordinationError', () => {
  it('is recognised as a @polecat error and keeps its name, code and own checks', () => {
    const error = new EmmettCoordinationError('MISSING_EPOCH', 'no epoch for shard Trip');
    expect(isPolecatError(error)).toBe(true);
    expect(String(error)).toBe('EmmettCoordinationError: no epoch for shard Trip');
    expect(EmmettCoordinationError.hasCode(error, 'MISSING_EPOCH')).toBe(true);
    expect(EmmettCoordinationError.is(new CoordinatorError('DISPOSED', 'another family'))).toBe(false);
  });
});
