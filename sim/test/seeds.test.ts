import { describe, expect, it } from 'vitest';
import { runSeed } from '../src/run-seed';

/**
 * Seeds every CI run checks (a mix of crashes, freezes, partitions, restarts), plus seeds that once
 * failed: 104381 (a node restarted after the run's end was never stopped: a harness bug), 668 (a
 * grant that crossed the server's revocation of its session started agents the ledger did not count
 * as cut off: a model bug; the overlap is fenced by the lower epoch), 1213 and 3782 (a node frozen
 * with a grant in flight read it after the server ended its session and took a NEWER epoch than the
 * live owner: a coordinator finding, fixed by confirming the lock after the epoch, `stale-epoch`).
 */
const FIXED_SEEDS = [...Array.from({ length: 20 }, (_, i) => i + 1), 668, 1213, 3782, 104381];
/** A fresh range each run (printed on failure: replay with `pnpm sim -- --seed S --trace`). */
const RANDOM_COUNT = Number(process.env.POLECAT_SIM_SEEDS ?? 120);
const RANDOM_BASE = Number(process.env.POLECAT_SIM_SEED_BASE ?? 1_000_000 + Math.floor(Math.random() * 1_000_000_000));

async function violationsOf(seeds: readonly number[]): Promise<string[]> {
  const found: string[] = [];
  for (const seed of seeds) {
    const result = await runSeed({ seed });
    for (const violation of result.violations) found.push(`seed ${seed}: ${violation.kind} at ${violation.atMs.toFixed(0)} ms: ${violation.detail}`);
  }
  return found;
}

describe('the real coordinator under seeded faults', () => {
  it('breaks no invariant on the fixed seed set', async () => {
    expect(await violationsOf(FIXED_SEEDS)).toEqual([]);
  });

  it(`breaks no invariant on ${RANDOM_COUNT} random seeds from ${RANDOM_BASE}`, async () => {
    const seeds = Array.from({ length: RANDOM_COUNT }, (_, i) => RANDOM_BASE + i);
    expect(await violationsOf(seeds)).toEqual([]);
  });

  it('replays a seed exactly: the same timeline, step for step', async () => {
    const first = await runSeed({ seed: 5, trace: true });
    const second = await runSeed({ seed: 5, trace: true });
    expect(first.faults.length).toBeGreaterThan(0);
    expect(second.trace).toEqual(first.trace);
    expect(second.steps).toBe(first.steps);
  });
});
