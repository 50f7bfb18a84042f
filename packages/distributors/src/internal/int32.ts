/** Smallest signed 32-bit integer. */
export const INT32_MIN = -2_147_483_648;
/** Largest signed 32-bit integer. */
export const INT32_MAX = 2_147_483_647;

/** `true` for integers in the signed 32-bit range. */
export function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

/**
 * Absolute value with unchecked C# semantics: `abs32(-2^31)` is `-2^31` (the negation wraps).
 * .NET `Math.Abs(int.MinValue)` throws `OverflowException` instead; see the package README.
 */
export function abs32(value: number): number {
  return Math.abs(value) | 0;
}

/** Signed 32-bit addition that wraps like unchecked C# `int + int`. */
export function add32(a: number, b: number): number {
  return (a + b) | 0;
}
