import { AppLockError } from './errors';
import type { Logger } from './logger';

/**
 * The numbers of the safety timing rule of a session lock behind a partition (a vanished host):
 * the owner must give up its locks (abort its agents) BEFORE the server frees them, or another
 * node is granted a lock that the partitioned owner still believes it holds.
 */
export interface LockTimingInput {
  /** Backend name, for the message (`postgres`, `sqlserver`). */
  readonly backend: string;
  /** How often held locks are verified (`0`: never on its own). */
  readonly verifyIntervalMs: number;
  /** The longest one request may go unanswered before the owner declares its locks lost. */
  readonly requestTimeoutMs: number;
  /**
   * The EARLIEST time after which the server may free a silent client's locks (its TCP keepalive
   * or user timeout); `undefined` when unknown (server defaults: usually hours, which is safe).
   */
  readonly serverReleaseMs: number | undefined;
  /** Where the numbers come from, for the message (e.g. `serverKeepAlive 10 s + 5 s x 3`). */
  readonly serverReleaseSource: string;
}

/** The outcome of {@link checkLockTiming}. */
export type LockTimingVerdict =
  | { readonly kind: 'ok'; readonly giveUpMs: number; readonly serverReleaseMs: number | undefined }
  | { readonly kind: 'violated'; readonly giveUpMs: number; readonly serverReleaseMs: number; readonly message: string }
  | { readonly kind: 'unbounded'; readonly serverReleaseMs: number; readonly message: string };

/**
 * Pure check of the timing rule: `verifyIntervalMs + requestTimeoutMs < serverReleaseMs`.
 *
 * - `violated`: the owner may still run its agents after the server freed its locks;
 * - `unbounded`: verification is off (`verifyIntervalMs = 0`), so an idle owner never notices a
 *   partition by itself (a user may accept this knowingly, e.g. verifying on their own schedule);
 * - `ok`: the rule holds, or the server's release time is unknown (server defaults).
 */
export function checkLockTiming(input: LockTimingInput): LockTimingVerdict {
  const giveUpMs = input.verifyIntervalMs + input.requestTimeoutMs;
  const release = input.serverReleaseMs;
  if (release === undefined) return { kind: 'ok', giveUpMs, serverReleaseMs: undefined };
  if (input.verifyIntervalMs === 0) {
    return {
      kind: 'unbounded',
      serverReleaseMs: release,
      message: `${input.backend} lock: verifyIntervalMs is 0, so a partitioned owner never gives up its locks by itself, while the server frees them after about ${release} ms (${input.serverReleaseSource}); another node may then run the same shard`,
    };
  }
  if (giveUpMs < release) return { kind: 'ok', giveUpMs, serverReleaseMs: release };
  return {
    kind: 'violated',
    giveUpMs,
    serverReleaseMs: release,
    message:
      `${input.backend} lock timing is unsafe: a partitioned owner gives up after verifyIntervalMs + requestTimeoutMs = ` +
      `${input.verifyIntervalMs} + ${input.requestTimeoutMs} = ${giveUpMs} ms, but the server frees its locks after about ${release} ms ` +
      `(${input.serverReleaseSource}); lower verifyIntervalMs/requestTimeoutMs or raise the server's keepalive so that ${giveUpMs} < ${release}`,
  };
}

/**
 * Applies {@link checkLockTiming}: throws `INVALID_CONFIGURATION` naming the numbers when the rule
 * is violated, logs a warning when verification is off (`unbounded`). Used by the lock constructors.
 */
export function enforceLockTiming(input: LockTimingInput, logger: Logger): void {
  const verdict = checkLockTiming(input);
  if (verdict.kind === 'violated') throw new AppLockError('INVALID_CONFIGURATION', verdict.message);
  if (verdict.kind === 'unbounded') logger.warn(verdict.message, { backend: input.backend });
}
