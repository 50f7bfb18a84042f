import { describe, expect, it } from 'vitest';
import { computeLockId } from '../src/compute-lock-id';
import { DistributorError } from '../src/errors';
import { INT32_MAX, INT32_MIN, abs32, add32 } from '../src/internal/int32';
import { hash32 } from '../src/lock-id-hash';
import { shardName } from '../src/shard-name';

describe('hash32 (.NET-compatible)', () => {
  it.each([
    ['public:Trip:All', 255_102_191],
    ['dbo:Trip:All', -1_427_452_929],
    ['events:Day:All', -1_707_971_726],
    ['', 757_602_046],
    ['a', -842_352_707],
    ['abc', -320_589_142],
  ])('hash32(%j) = %i', (input, expected) => {
    expect(hash32(input)).toBe(expected);
  });

  it('works on UTF-16 code units (a surrogate pair is two units) and stays int32', () => {
    expect(hash32('😀')).toBe(hash32('\ud83d\ude00'));
    expect(hash32('é')).not.toBe(hash32('e'));
    for (const s of ['x', 'xy', 'xyz', 'a'.repeat(1000), '😀😀😀']) {
      const h = hash32(s);
      expect(Number.isInteger(h) && h >= INT32_MIN && h <= INT32_MAX).toBe(true);
    }
  });
});

describe('computeLockId', () => {
  it('matches the check values of the reference', () => {
    expect(computeLockId('public', 'Trip:All')).toBe(255_106_635);
    expect(computeLockId('public', 'Trip:All', 4444)).toBe(255_106_635);
    expect(computeLockId('dbo', 'Trip:All')).toBe(1_427_457_373);
    expect(computeLockId('events', 'Day:All')).toBe(1_707_976_170);
    expect(computeLockId('dbo', shardName('Trip').identity, 0)).toBe(1_427_452_929);
    expect(computeLockId('dbo', 'Trip:All', -4444)).toBe(1_427_448_485);
  });

  // Inputs found by a meet-in-the-middle search over the hash (see README "Lock ids").
  it('abs of int.MinValue wraps to int.MinValue (unchecked C#), then the base is added', () => {
    expect(hash32('dbo:EdgeglAPdE:All')).toBe(INT32_MIN);
    expect(computeLockId('dbo', 'EdgeglAPdE:All', 0)).toBe(INT32_MIN);
    expect(computeLockId('dbo', 'EdgeglAPdE:All')).toBe(INT32_MIN + 4444);
  });

  it('adding the base wraps to a negative (still valid int32) lock id', () => {
    expect(hash32('dbo:Edge9d5KRa:All')).toBe(INT32_MAX);
    expect(hash32('dbo:EdgesJSNVD:All')).toBe(-INT32_MAX);
    expect(computeLockId('dbo', 'Edge9d5KRa:All')).toBe(-2_147_479_205);
    expect(computeLockId('dbo', 'EdgesJSNVD:All')).toBe(-2_147_479_205);
    expect(computeLockId('dbo', 'Edge9d5KRa:All', 0)).toBe(INT32_MAX);
  });

  it('rejects a base that is not an int32', () => {
    for (const base of [1.5, 2 ** 31, -(2 ** 31) - 1, Number.NaN]) {
      expect(() => computeLockId('dbo', 'Trip:All', base)).toThrow(DistributorError);
    }
    expect(computeLockId('dbo', 'Trip:All', INT32_MAX)).toBe(add32(1_427_452_929, INT32_MAX));
  });
});

describe('int32 helpers', () => {
  it('abs32 wraps at int.MinValue only', () => {
    expect(abs32(INT32_MIN)).toBe(INT32_MIN);
    expect(abs32(INT32_MIN + 1)).toBe(INT32_MAX);
    expect(abs32(-5)).toBe(5);
    expect(abs32(0)).toBe(0);
    expect(abs32(INT32_MAX)).toBe(INT32_MAX);
  });

  it('add32 wraps like unchecked C# int addition', () => {
    expect(add32(INT32_MAX, 1)).toBe(INT32_MIN);
    expect(add32(INT32_MAX, 4444)).toBe(INT32_MIN + 4443);
    expect(add32(INT32_MIN, -1)).toBe(INT32_MAX);
    expect(add32(1, 2)).toBe(3);
  });
});
