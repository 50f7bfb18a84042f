/**
 * `--compare <file>`: this run's figures (ours) against a previous `bench/results/*.json`, one
 * row per metric both have, as a ratio. `--compare <old> --against <new>` compares two files
 * without running anything.
 */
import { readFile } from 'node:fs/promises';
import type { Row } from './stats';

/** The part of a results file the comparison reads. */
interface ResultsFile {
  readonly when: string;
  readonly mode: string;
  readonly rows: readonly Row[];
}

export async function readResults(file: string): Promise<ResultsFile> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ResultsFile>;
  if (!Array.isArray(parsed.rows)) throw new Error(`${file} is not a bench results file (no rows)`);
  return { when: parsed.when ?? '?', mode: parsed.mode ?? '?', rows: parsed.rows };
}

/** A figure with 3 significant-ish digits (`-` for NaN). */
export function fmt(value: number): string {
  if (Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** now / then, `-` when either is missing, NaN or zero. */
function change(now: number, then: number): string {
  if (!Number.isFinite(now) || !Number.isFinite(then) || then === 0) return now === then ? '1.00x' : '-';
  return `${(now / then).toFixed(2)}x`;
}

/** Rows match on the group and on the metric without its run-specific parts (parentheses, numbers: trial and event counts). */
export function keyOf(row: Row): string {
  const stable = (text: string): string =>
    text
      .replace(/\([^)]*\)/g, '')
      .replace(/\d[\d.,]*/g, '#')
      .trim();
  return `${row.group}\u0000${stable(row.metric)}`;
}

/** A Markdown table: every metric of `now` that `then` also has (ours only; the baseline as a column of its own). */
export function renderComparison(now: readonly Row[], then: ResultsFile, nowLabel = 'now'): string {
  const previous = new Map(then.rows.map((row) => [keyOf(row), row]));
  const header = ['benchmark', 'metric', `ours ${nowLabel}`, `ours ${then.when.slice(0, 16)} (${then.mode})`, 'now/then', 'baseline now/then'];
  const lines: string[][] = [];
  for (const row of now) {
    const old = previous.get(keyOf(row));
    if (old === undefined) continue;
    lines.push([row.group, `${row.metric} (${row.unit})`, fmt(row.ours), fmt(old.ours), change(row.ours, old.ours), change(row.baseline, old.baseline)]);
  }
  if (lines.length === 0) return `no metric in common with ${then.when} (${then.mode})`;
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}

/** `--compare <old> --against <new>`: prints the comparison of two files. */
export async function compareFiles(oldFile: string, newFile: string): Promise<string> {
  const [then, now] = await Promise.all([readResults(oldFile), readResults(newFile)]);
  return renderComparison(now.rows, then, `${now.when.slice(0, 16)} (${now.mode})`);
}
