const HASH_SEED = 352_654_597; // (5381 << 16) + 5381
const HASH_MULTIPLIER = 1_566_083_941;

/**
 * The deterministic 32-bit string hash of the .NET originals (JasperFx `GetDeterministicHashCode`),
 * computed over UTF-16 code units with signed 32-bit wrapping arithmetic. Two code units are mixed
 * per step into two interleaved accumulators.
 *
 * @returns a signed 32-bit integer.
 * @example hash32('public:Trip:All') // 255102191
 * @example hash32('') // 757602046
 */
export function hash32(value: string): number {
  let h1 = HASH_SEED;
  let h2 = HASH_SEED;
  const length = value.length;
  for (let i = 0; i < length; i += 2) {
    h1 = (((h1 << 5) + h1) | 0) ^ value.charCodeAt(i);
    if (i === length - 1) break;
    h2 = (((h2 << 5) + h2) | 0) ^ value.charCodeAt(i + 1);
  }
  return (h1 + Math.imul(h2, HASH_MULTIPLIER)) | 0;
}
