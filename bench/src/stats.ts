/** Summary of a sample of durations (ms). */
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p99: number;
  readonly worst: number;
}

/** Median, p99 (nearest rank) and max. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
  return { n: sorted.length, median: rank(0.5), p99: rank(0.99), worst: sorted[sorted.length - 1] ?? Number.NaN };
}

/** One table row: a metric, our figure, the baseline's, and baseline / ours. */
export interface Row {
  readonly group: string;
  readonly metric: string;
  readonly unit: string;
  readonly ours: number;
  readonly baseline: number;
  /** Target for OUR value, as text (e.g. `<= 1000`), when the issue sets one. */
  readonly target?: string;
  readonly met?: boolean;
}

export function ratio(row: Row): string {
  if (Number.isNaN(row.ours) || Number.isNaN(row.baseline)) return '-';
  if (row.ours === 0 && row.baseline === 0) return '1.0x';
  if (row.ours === 0) return '∞';
  const value = row.baseline / row.ours;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(1)}x`;
}

/** NaN (not measured, or never reached: e.g. a baseline that never owned every tenant) prints as `-`. */
function fmt(value: number): string {
  if (Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A Markdown table (readable in a terminal too). */
export function renderTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'metric', 'ours', 'baseline', 'baseline/ours', 'target (ours)'];
  const lines = rows.map((row) => [
    row.group,
    `${row.metric} (${row.unit})`,
    fmt(row.ours),
    fmt(row.baseline),
    ratio(row),
    row.target === undefined ? '' : `${row.target} ${row.met ? 'met' : 'NOT met'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
