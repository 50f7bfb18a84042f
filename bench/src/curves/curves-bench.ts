/** Benchmark C (issue 24): the cost curves; also writes bench/results/curves.svg. */
import { mkdir, writeFile } from 'node:fs/promises';
import type { Row } from '../stats';
import { FULL_CURVES, QUICK_CURVES, runCurves } from './curves';

export async function runCurvesBench(quick: boolean, raw: Record<string, unknown>, log: (line: string) => void): Promise<Row[]> {
  const { rows, plot } = await runCurves(quick ? QUICK_CURVES : FULL_CURVES, raw, log);
  const dir = new URL('../../results/', import.meta.url);
  await mkdir(dir, { recursive: true });
  await writeFile(new URL('curves.svg', dir), `${plot}\n`);
  log('wrote bench/results/curves.svg');
  return rows;
}
