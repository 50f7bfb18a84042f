/**
 * Release-notice reasons the locking distributors send themselves (`AppLock.releaseLock(id, { reason })`),
 * so a listener can tell a departure from a set released by a live node:
 * - {@link MEMBER_LEFT_NOTICE}: a member watcher was granted a member's slot and frees it again;
 *   that member's session ended (died, or it left), its sets are orphans unless it said otherwise.
 * - {@link MEMBER_JOINED_NOTICE}: a node joined (a cue to rebalance); nothing was released.
 * - {@link MEMBER_LEAVING_NOTICE}: a live node gives its member slot up (a graceful stop).
 */
export const MEMBER_LEFT_NOTICE = 'member-left';
/** See {@link MEMBER_LEFT_NOTICE}. */
export const MEMBER_JOINED_NOTICE = 'member-joined';
/** See {@link MEMBER_LEFT_NOTICE}. */
export const MEMBER_LEAVING_NOTICE = 'member-leaving';
