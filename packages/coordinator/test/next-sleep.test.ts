import { describe, expect, it } from 'vitest';
import { DEFAULT_COORDINATOR_SETTINGS } from '../src/coordinator-settings';
import { CONTENTION_RETRY_MS, nextSleep, type CycleOutcome, type SleepInput } from '../src/internal/loop/next-sleep';
import type { BackoffEntry } from '../src/internal/ownership/backoff';

const START = 100_000;
const END = START + 50;
const settings = { ...DEFAULT_COORDINATOR_SETTINGS, leadershipPollingTimeMs: 5000, takeoverPollingTimeMs: 500, agentPauseTimeMs: 1000 };

function outcome(overrides: Partial<CycleOutcome> = {}): CycleOutcome {
  return { startedAt: START, planned: true, attempted: 0, granted: 0, pausedAtPlan: false, pausedAtEnd: false, pollSoon: false, ...overrides };
}

function sleep(overrides: Partial<SleepInput> = {}): number {
  return nextSleep({ settings, outcome: outcome(), backoff: new Map(), now: END, ...overrides });
}

describe('nextSleep', () => {
  it('keeps the slow poll after a steady cycle, a failed distribution or an unexpected failure', () => {
    expect(sleep()).toBe(5000);
    expect(sleep({ outcome: outcome({ planned: false, attempted: 0 }) })).toBe(5000);
    expect(sleep({ outcome: undefined })).toBe(5000);
  });

  it('sleeps agentPauseTimeMs while an agent is paused, even when it is longer than the slow poll', () => {
    expect(sleep({ outcome: outcome({ pausedAtPlan: true }) })).toBe(1000);
    expect(sleep({ outcome: outcome({ pausedAtEnd: true }) })).toBe(1000);
    expect(sleep({ settings: { ...settings, agentPauseTimeMs: 9000 }, outcome: outcome({ pausedAtPlan: true }) })).toBe(9000);
    expect(sleep({ settings: { ...settings, agentPauseTimeMs: 9000 }, outcome: outcome({ pausedAtEnd: true }) })).toBe(5000);
  });

  it('polls at the takeover rate after a denial or when the policy asks, and at the contention rate after a partial win', () => {
    expect(sleep({ outcome: outcome({ attempted: 2, granted: 0 }) })).toBe(500);
    expect(sleep({ outcome: outcome({ pollSoon: true }) })).toBe(500);
    expect(sleep({ outcome: outcome({ attempted: 3, granted: 2 }) })).toBe(CONTENTION_RETRY_MS);
    expect(sleep({ outcome: outcome({ attempted: 3, granted: 3 }) })).toBe(5000);
  });

  it('wakes when the earliest backoff ends; one that ended during the cycle counts from its start', () => {
    const backoff = new Map<string, BackoffEntry>([
      ['a', { failures: 1, nextAttemptAt: END + 700 }],
      ['b', { failures: 3, nextAttemptAt: END + 4000 }],
      ['c', { failures: 1, nextAttemptAt: START - 1 }],
    ]);
    expect(sleep({ backoff })).toBe(700);
    expect(sleep({ backoff: new Map([['d', { failures: 1, nextAttemptAt: START + 30 }]]) })).toBe(30);
    expect(sleep({ backoff, outcome: undefined })).toBe(5000);
  });

  it('sleeps at least the retry step of unreachable databases when every database failed', () => {
    expect(sleep({ unreachableRetryMs: 8000 })).toBe(8000);
    expect(sleep({ outcome: outcome({ attempted: 2, granted: 0 }), unreachableRetryMs: 1000 })).toBe(1000);
    expect(sleep({ unreachableRetryMs: 10 })).toBe(5000);
  });
});
