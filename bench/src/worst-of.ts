/**
 * `--worst-of <a.json> <b.json> [...]`: several full runs side by side, and for each metric with a
 * target the WORST of them (the largest for `<=` targets, the smallest for `>=`, a miss for `=`), so
 * a README quotes what held in every run rather than in the best one. Nothing is run.
 */
import type { Row } from './stats';
import { fmt as fmtNumber, keyOf, readResults } from './compare';

const fmt = (value: number | undefined): string => (value === undefined ? '-' : fmtNumber(value));

/** The worst of `rows` for its target: a row that missed its target first, then by the target's direction. */
export function worstRow(rows: readonly Row[]): Row {
  const missed = rows.find((row) => row.met === false);
  if (missed !== undefined) return missed;
  const target = rows[0]?.target ?? '';
  const finite = rows.filter((row) => Number.isFinite(row.ours));
  if (finite.length === 0) return rows[0]!;
  if (target.startsWith('>=')) return finite.reduce((a, b) => (b.ours < a.ours ? b : a));
  return finite.reduce((a, b) => (b.ours > a.ours ? b : a));
}

/** A Markdown table: every metric of the first run, each run's value (ours), the worst, and whether every run met the target. */
export function renderWorstOf(runs: readonly { readonly label: string; readonly rows: readonly Row[] }[]): string {
  const indexes = runs.map((run) => new Map(run.rows.map((row) => [keyOf(row), row])));
  const header = ['benchmark', 'metric', ...runs.map((run) => `ours ${run.label}`), 'worst', 'target', 'met in every run'];
  const lines: string[][] = [];
  for (const row of runs[0]?.rows ?? []) {
    const matched = indexes.map((index) => index.get(keyOf(row)));
    const present = matched.filter((value): value is Row => value !== undefined);
    const targeted = row.target !== undefined;
    const worst = targeted ? worstRow(present) : undefined;
    const everyRun = present.length === runs.length && present.every((value) => value.met !== false);
    lines.push([
      row.group,
      `${row.metric} (${row.unit})`,
      ...matched.map((value) => fmt(value?.ours)),
      worst === undefined ? '' : fmt(worst.ours),
      row.target ?? '',
      targeted ? (everyRun ? 'yes' : present.length < runs.length ? 'not in every run' : 'NO') : '',
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}

/** Reads the files and renders {@link renderWorstOf}, each run labelled by its time and mode. */
export async function worstOfFiles(files: readonly string[]): Promise<string> {
  const runs = await Promise.all(files.map((file) => readResults(file)));
  return renderWorstOf(runs.map((run) => ({ label: `${run.when.slice(0, 16)} (${run.mode})`, rows: run.rows })));
}
