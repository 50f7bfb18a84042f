/**
 * Why this node took a set over (event `takeover`, metric `polecat.coordinator.takeovers`), counted
 * once, by the node that took it:
 * - `released`: a LIVE node let it go: a release notice carrying a release reason (`stopped`,
 *   `drained`, `paused`, `balanced`, ... : the event's `reason`) was heard since this node's
 *   previous cycle. PostgreSQL (the `NOTIFY` payload) and in-memory locks only.
 * - `orphaned`: its holder's session died (SIGKILL, crash, connection ended): found free with no
 *   such notice. The member watcher that sees the dead node's slot freed announces it with the
 *   reason `member-left`, which every node counts as orphaned too, so one kill is `orphaned` on
 *   every survivor. On SQL Server, which has no notices, every takeover is `orphaned`.
 * - `regained`: this node had lost the set's lock itself and holds it again.
 * Grants in a node's first cycle are start-up, not takeovers. A cycle that heard a live node's
 * release counts every set it found free as `released` (a kill and a graceful stop in the same
 * cycle cannot be told apart without lock ids in the notice).
 */
export const TAKEOVER_CAUSES = ['released', 'orphaned', 'regained'] as const;
/** One of {@link TAKEOVER_CAUSES}. */
export type TakeoverCause = (typeof TAKEOVER_CAUSES)[number];
