import { describe, expect, it } from 'vitest';
import { prematureStopDaemon } from '../src/defects/premature-stop-daemon';
import { runSeed } from '../src/run-seed';

describe('a re-introduced known defect (a set released before its agents returned)', () => {
  it('is found within the first 1 000 seeds and replays by seed', async () => {
    let failing: Awaited<ReturnType<typeof runSeed>> | undefined;
    for (let seed = 1; seed <= 1000 && failing === undefined; seed++) {
      const result = await runSeed({ seed, wrapDaemon: prematureStopDaemon });
      if (result.violations.length > 0) failing = result;
    }
    expect(failing?.violations.map((violation) => violation.kind)).toContain('double-run');
    const replay = await runSeed({ seed: failing!.seed, wrapDaemon: prematureStopDaemon });
    expect(replay.violations).toEqual(failing!.violations);
    const clean = await runSeed({ seed: failing!.seed });
    expect(clean.violations).toEqual([]);
  });
});
