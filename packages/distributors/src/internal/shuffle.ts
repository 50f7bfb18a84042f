/** A new array with the items of `items` in Fisher–Yates random order drawn from `random` ([0, 1)). */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    const swap = out[i]!;
    out[i] = out[j]!;
    out[j] = swap;
  }
  return out;
}

/** The start-up wait of the originals: 0-499 ms. */
export function randomWaitMs(random: () => number): number {
  return Math.max(0, Math.min(499, Math.floor(random() * 500)));
}
