import type { CoordinatorSettings } from '../../coordinator-settings';
import type { BackoffEntry } from '../ownership/backoff';

/** Wait before the next cycle after one that won some attempted sets and lost others (contention). */
export const CONTENTION_RETRY_MS = 20;

/** What one cycle did, as far as the sleep after it is concerned. */
export interface CycleOutcome {
  /** Clock ms when the cycle began. */
  readonly startedAt: number;
  /** False when the distribution could not be built (nothing was planned). */
  readonly planned: boolean;
  /** Sets attempted (in one batch, plus a contention retry). */
  readonly attempted: number;
  /** Of those, the sets granted. */
  readonly granted: number;
  /** Some agent of this node was paused when the cycle planned / when it ended. */
  readonly pausedAtPlan: boolean;
  readonly pausedAtEnd: boolean;
  /** The policy asked for the takeover poll, and no watcher will report what it waits for. */
  readonly pollSoon: boolean;
  /** Clock ms when a set the policy wants to hand over leaves the settle window (`CyclePlan.settlesAt`). */
  readonly settlesAt?: number;
}

/** Everything the sleep between two cycles depends on. */
export interface SleepInput {
  readonly settings: Pick<CoordinatorSettings, 'leadershipPollingTimeMs' | 'takeoverPollingTimeMs' | 'agentPauseTimeMs'>;
  /** The cycle's outcome; `undefined` when it failed unexpectedly. */
  readonly outcome: CycleOutcome | undefined;
  /** Per-set start-failure backoff (set key -> entry). */
  readonly backoff: ReadonlyMap<string, BackoffEntry>;
  /** Clock ms at the end of the cycle. */
  readonly now: number;
  /** The retry step of the unreachable databases when every database the cycle talked to failed. */
  readonly unreachableRetryMs?: number;
}

/**
 * The ONE decision of how long the loop sleeps after a cycle (a wake-up ends the sleep earlier):
 * - `leadershipPollingTimeMs` (the slow poll), or `agentPauseTimeMs` while an agent is paused;
 * - the takeover poll (`takeoverPollingTimeMs`) after a denial (its owner may die or release it
 *   soon) or when the policy asks for it;
 * - {@link CONTENTION_RETRY_MS} after a cycle that won some sets and lost others to a node attempting
 *   at the same moment (the next probe shows what is still free; needs a grant each time, so it
 *   cannot spin);
 * - at most until the earliest start-failure backoff ends (one that ended during the cycle counts
 *   from the cycle's start), and until a set the policy wants to hand over leaves the settle window
 *   (at least 1 ms);
 * - at least the unreachable databases' retry step when every database failed.
 */
export function nextSleep(input: SleepInput): number {
  const { settings, outcome, now } = input;
  let sleepMs = settings.leadershipPollingTimeMs;
  if (outcome?.planned === true) {
    if (outcome.pausedAtPlan) sleepMs = settings.agentPauseTimeMs;
    if (outcome.pausedAtEnd) sleepMs = Math.min(sleepMs, settings.agentPauseTimeMs);
    const { attempted, granted } = outcome;
    if (granted < attempted || outcome.pollSoon) sleepMs = Math.min(sleepMs, settings.takeoverPollingTimeMs);
    if (granted > 0 && granted < attempted) sleepMs = Math.min(sleepMs, CONTENTION_RETRY_MS);
    if (outcome.settlesAt !== undefined) sleepMs = Math.min(sleepMs, Math.max(1, outcome.settlesAt - now));
    for (const entry of input.backoff.values()) {
      if (entry.nextAttemptAt <= outcome.startedAt) continue;
      sleepMs = Math.min(sleepMs, entry.nextAttemptAt > now ? entry.nextAttemptAt - now : entry.nextAttemptAt - outcome.startedAt);
    }
  }
  if (input.unreachableRetryMs !== undefined) sleepMs = Math.max(sleepMs, input.unreachableRetryMs);
  return sleepMs;
}
