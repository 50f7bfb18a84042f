import type { ProjectionSet, ShardName } from '@polecat/distributors';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COORDINATOR_SETTINGS } from '../src/coordinator-settings';
import { fairShareOwnershipPolicy } from '../src/fair-share-ownership-policy';
import { nextSleep } from '../src/internal/loop/next-sleep';
import { planCycle, type CycleInput } from '../src/internal/loop/plan-cycle';
import { settleWindowMs } from '../src/internal/loop/settle-window';
import { setsOf } from './fakes/fixtures';

const WINDOW = settleWindowMs(DEFAULT_COORDINATOR_SETTINGS);
const NOW = 100_000;

/** A node holding `held` (acquired at `since`) of `distribution`, two live nodes, this one ranked first. */
function input(distribution: readonly ProjectionSet[], held: readonly ProjectionSet[], since: ReadonlyMap<string, number>): CycleInput {
  const heldKeys = new Set(held.map((set) => set.key));
  return {
    distribution,
    isHeld: (set) => heldKeys.has(set.key),
    tracked: held,
    agentState: (_set, shard: ShardName) => ({ shard, status: 'Running' }),
    backoff: new Map(),
    now: NOW,
    settings: DEFAULT_COORDINATOR_SETTINGS,
    policy: fairShareOwnershipPolicy(),
    cluster: { liveNodes: new Map([['main', 2]]), freeSince: new Map(), now: NOW, ranks: new Map([['main', 0]]) },
    settle: { windowMs: WINDOW, since: (set) => since.get(set.key) },
  };
}

describe('no set moves twice within a settle window (issue 22, item 5)', () => {
  const [a, b, c, d] = setsOf(['A', 'B', 'C', 'D']) as [ProjectionSet, ProjectionSet, ProjectionSet, ProjectionSet];

  it('above its share, a node hands over a set it has held long, not the one it just took', () => {
    // holds 3 of 4 on 2 nodes (share 2); A was taken a moment ago and comes last in the distribution
    const since = new Map([
      [b.key, 0],
      [c.key, 0],
      [a.key, NOW - 100],
    ]);
    const plan = planCycle(input([b, c, a, d], [b, c, a], since));
    expect(plan.handOver).toHaveLength(1);
    expect(plan.handOver[0]!.set.key).not.toBe(a.key);
    expect(plan.handOver[0]!.reason).toBe('balance');
  });

  it('when every extra set was just taken, none moves until the window has passed', () => {
    const recent = new Map([a, b, c].map((set) => [set.key, NOW - 100]));
    expect(planCycle(input([a, b, c, d], [a, b, c], recent)).handOver).toEqual([]);
    const settled = new Map([a, b, c].map((set) => [set.key, NOW - WINDOW]));
    expect(planCycle(input([a, b, c, d], [a, b, c], settled)).handOver.map(({ reason }) => reason)).toEqual(['balance']);
  });

  it('a hand-over the window holds back says when the first such set settles, so the loop wakes then, not a slow poll later', () => {
    const recent = new Map([
      [a.key, NOW - 100],
      [b.key, NOW - 300],
      [c.key, NOW - 200],
    ]);
    const plan = planCycle(input([a, b, c, d], [a, b, c], recent));
    expect(plan.handOver).toEqual([]);
    // (share 2, holding 3: the policy hands over one, the recent set that settles first: B, taken 300 ms ago)
    expect(plan.settlesAt).toBe(NOW - 300 + WINDOW);
    const outcome = { startedAt: NOW, planned: true, attempted: 0, granted: 0, pausedAtPlan: false, pausedAtEnd: false, pollSoon: false };
    const settings = DEFAULT_COORDINATOR_SETTINGS;
    expect(nextSleep({ settings, outcome: { ...outcome, settlesAt: plan.settlesAt! }, backoff: new Map(), now: NOW })).toBe(WINDOW - 300);
    expect(nextSleep({ settings, outcome, backoff: new Map(), now: NOW })).toBe(settings.leadershipPollingTimeMs);
    // settled sets, or none to hand over: nothing to wake for
    expect(planCycle(input([a, b, c, d], [a, b, c], new Map())).settlesAt).toBeUndefined();
    expect(planCycle(input([a, b, c, d], [a, b], recent)).settlesAt).toBeUndefined();
  });

  it('the window never holds back a withheld set', () => {
    const recent = new Map([a, b].map((set) => [set.key, NOW - 100]));
    const plan = planCycle({ ...input([a, b, c, d], [a, b], recent), withheld: (set) => (set.key === a.key ? 'paused' : undefined) });
    expect(plan.handOver).toEqual([{ set: a, reason: 'paused' }]);
  });
});
