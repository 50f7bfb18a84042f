/**
 * A reproducible agent return delay: the same `seed`, shard position and stop number always give
 * the same delay in `[min, max]` ms, whatever order the agents are aborted in. Used by node
 * processes with `agentReturnSeed` (benchmarks that must compare runs).
 */
export function seededDelay(range: { readonly min: number; readonly max: number }, seed: number, shardIndex: number, stopNumber: number): number {
  // FNV-1a over the three integers, then a murmur3 finaliser: a uniform 32-bit value
  let hash = 0x811c9dc5;
  for (const value of [seed, shardIndex, stopNumber]) {
    hash = Math.imul(hash ^ (value | 0), 0x01000193);
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash ^= hash >>> 16;
  const unit = (hash >>> 0) / 0x1_0000_0000;
  return range.min + unit * Math.max(0, range.max - range.min);
}
