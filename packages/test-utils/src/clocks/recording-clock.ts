import type { Clock } from '@polecat/kit';

/** A {@link Clock} that records every sleep; see {@link recordingClock}. */
export interface RecordingClock extends Clock {
  /** The duration of every sleep asked for, in order. */
  readonly sleeps: number[];
}

/**
 * A clock whose sleeps resolve at once (a sleep on an aborted signal rejects with its reason) and are
 * recorded, with `now()` fixed at `now` (default 0): for checking backoff and retry delays.
 */
export function recordingClock(now = 0): RecordingClock {
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
    },
  };
}
