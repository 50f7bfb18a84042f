/**
 * An overhead measured in adjacent pairs: each pair is (cost with, cost without) taken back to
 * back, so a load that changes over minutes cancels within the pair. The median of the per-pair
 * ratios is the figure; the quartiles and extremes are its spread.
 */

export interface PairedOverhead {
  readonly pairs: number;
  /** Median of `with / without` over the pairs (NaN pairs left out). */
  readonly medianRatio: number;
  /** (medianRatio - 1) in %. */
  readonly medianPercent: number;
  /** Spread of the per-pair overheads, in %: lower and upper quartile, lowest and highest. */
  readonly q1Percent: number;
  readonly q3Percent: number;
  readonly minPercent: number;
  readonly maxPercent: number;
}

/** Summarises `[with, without]` pairs (e.g. plain rate and ours rate, or ours CPU and plain CPU). */
export function pairedOverhead(pairs: readonly (readonly [number, number])[]): PairedOverhead {
  const ratios = pairs.map(([withIt, without]) => withIt / without).filter((r) => Number.isFinite(r));
  const sorted = [...ratios].sort((a, b) => a - b);
  const quantile = (q: number): number => {
    if (sorted.length === 0) return Number.NaN;
    const at = q * (sorted.length - 1);
    const low = Math.floor(at);
    const high = Math.ceil(at);
    return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
  };
  const percent = (ratio: number): number => (ratio - 1) * 100;
  const medianRatio = quantile(0.5);
  return {
    pairs: ratios.length,
    medianRatio,
    medianPercent: percent(medianRatio),
    q1Percent: percent(quantile(0.25)),
    q3Percent: percent(quantile(0.75)),
    minPercent: percent(sorted[0] ?? Number.NaN),
    maxPercent: percent(sorted[sorted.length - 1] ?? Number.NaN),
  };
}
