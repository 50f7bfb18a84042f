import { describe, expect, it } from 'vitest';
import { runSeed } from '../src/run-seed';

/**
 * Seeds that show an OPEN finding of the real coordinator (not a simulator bug): a node frozen with
 * a lock grant in flight resumes after the server ended its session (a kill, a restart) and another
 * node took the set; it reads the late grant first, takes a NEWER fencing epoch than the live owner
 * and runs the agent for ≈ 2 ms until the reset arrives, so fencing would refuse the live owner
 * instead of the cut-off node. When this test fails, the coordinator stopped doing it: move the
 * seeds to the fixed seeds of `seeds.test.ts`.
 */
const OPEN = [1213, 3782];

describe('open findings (replayed by seed)', () => {
  it.each(OPEN)('seed %i: a late grant after a freeze starts an agent with a newer epoch than the live owner (stale-epoch)', async (seed) => {
    const result = await runSeed({ seed });
    expect(result.violations.map((violation) => violation.kind)).toEqual(['stale-epoch']);
  });
});
