import { describe, expect, it } from 'vitest';
import { findRunOverlaps, takeoverAfter, type AgentRun } from '../src/agent-runs';

const run = (node: string, pid: number, key: string, start: number, end: number | undefined): AgentRun => ({ node, pid, key, start, end });

describe('agent-side ledger', () => {
  it('finds two processes running one shard at once, not touching or same-process runs', () => {
    const report = findRunOverlaps(
      [
        run('a', 1, 's1', 0, 100),
        run('b', 2, 's1', 100, 200), // touching: fine
        run('c', 3, 's1', 190, 300), // overlaps b by 10 ms
        run('a', 1, 's2', 0, undefined), // open
        run('b', 2, 's2', 500, 600), // overlaps the open run
      ],
      [],
      1000,
    );
    expect(report.unexplained.map((o) => [o.key, o.first.pid, o.second.pid, o.ms])).toEqual([
      ['s1', 2, 3, 10],
      ['s2', 1, 2, 100],
    ]);
    expect(report.longestUnexplainedMs).toBe(100);
  });

  it('explains an overlap only by a frozen earlier process that returned right after being resumed', () => {
    const runs = [run('a', 1, 's', 0, 2050), run('b', 2, 's', 1000, 3000)];
    expect(findRunOverlaps(runs, [{ pid: 1, from: 500, to: 2000 }], 5000).unexplained).toEqual([]);
    // returned 1.5 s after SIGCONT: it had time to stop and did not
    expect(findRunOverlaps([run('a', 1, 's', 0, 3500), run('b', 2, 's', 1000, 4000)], [{ pid: 1, from: 500, to: 2000 }], 5000).unexplained).toHaveLength(1);
    // frozen only after the other had started: no excuse
    expect(findRunOverlaps(runs, [{ pid: 1, from: 1500, to: 2000 }], 5000).unexplained).toHaveLength(1);
  });

  it('measures a takeover: when the faulted process stopped and when each shard ran elsewhere', () => {
    const runs = [
      run('v', 9, 'x', 0, 3000),
      run('v', 9, 'y', 0, 2500),
      run('n', 1, 'x', 9000, undefined),
      run('n', 2, 'y', 11_000, undefined),
      run('v', 9, 'z', 5000, 6000),
    ];
    const takeover = takeoverAfter(runs, 9, 1000);
    expect(takeover).toMatchObject({ shards: 2, stoppedMs: 2000, ownedElsewhereMs: 10_000, missing: [] });
    expect(takeover.slowest[0]).toEqual({ key: 'y', ms: 10_000 });
    expect(takeoverAfter([run('v', 9, 'x', 0, 3000)], 9, 1000)).toMatchObject({ ownedElsewhereMs: undefined, missing: ['x'] });
  });
});

describe('forced server-side releases', () => {
  it('explain an overlap only while the owner had no time to learn of the loss (frozen time not counted)', () => {
    const runs = [run('a', 1, 's', 0, 2000), run('b', 2, 's', 1000, 3000)];
    // released by force at 900, returned at 2000: 1.1 s awake > 1 s
    expect(findRunOverlaps(runs, [], 5000, 1000, [{ pid: 1, at: 900 }]).unexplained).toHaveLength(1);
    // ... but frozen 1000..1500 of it: 0.6 s awake
    const report = findRunOverlaps(runs, [{ pid: 1, from: 1000, to: 1500 }], 5000, 1000, [{ pid: 1, at: 900 }]);
    expect(report.unexplained).toEqual([]);
    expect(report.overlaps[0]!.forced || report.overlaps[0]!.frozen).toBe(true);
    // a forced release after the other started explains nothing
    expect(findRunOverlaps(runs, [], 5000, 1000, [{ pid: 1, at: 1500 }]).unexplained).toHaveLength(1);
  });
});
