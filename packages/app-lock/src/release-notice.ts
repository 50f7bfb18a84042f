/** Options of `AppLock.releaseLock` and `AppLock.releaseAll`. */
export interface ReleaseOptions {
  /**
   * Why this owner lets go, told to the other owners in the release notice (PostgreSQL: the
   * `NOTIFY` payload; in-memory: the notice; SQL Server has no notices). Up to 63 characters:
   * letters, digits, `-`, `_`, `.`, `:`. E.g. the coordinator sends `stopped`, `drained`, `paused`,
   * `balanced`, `handed-over`, and `member-left` when its member watcher frees a dead node's slot.
   */
  readonly reason?: string;
}

/** One release notice (see `AppLock.onReleaseNotice`). */
export interface ReleaseNotice {
  /** The releaser's {@link ReleaseOptions.reason}; absent when it gave none. */
  readonly reason?: string;
}

const RELEASE_REASON = /^[A-Za-z0-9_.:-]{1,63}$/;

/** `reason` when it is a valid {@link ReleaseOptions.reason}, else `undefined` (a notice is a hint: a bad reason never fails a release). */
export function releaseReasonOf(options: ReleaseOptions | undefined): string | undefined {
  const reason = options?.reason;
  return typeof reason === 'string' && RELEASE_REASON.test(reason) ? reason : undefined;
}

/** The {@link ReleaseNotice} of a notice payload (`''`: no reason). */
export function releaseNoticeOf(payload: string | undefined): ReleaseNotice {
  return payload !== undefined && RELEASE_REASON.test(payload) ? { reason: payload } : {};
}
