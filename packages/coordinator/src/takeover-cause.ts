/**
 * Why this node took a set over (event `takeover`, metric `polecat.coordinator.takeovers`):
 * - `released`: another node released locks just before (a release notice was heard since this
 *   node's previous cycle: graceful stop, hand-over, pause). PostgreSQL and in-memory locks only.
 * - `orphaned`: found free with no notice: its owner died or its connection ended (or, on SQL
 *   Server, which has no notice channel, any release); also after this node's member watcher saw
 *   a member leave. (On PostgreSQL the other nodes are woken by that watcher's release of the
 *   dead member's slot, a release notice: they count such takeovers as `released`.)
 * - `regained`: this node had lost the set's lock itself and holds it again.
 * Grants in a node's first cycle are start-up, not takeovers.
 */
export const TAKEOVER_CAUSES = ['released', 'orphaned', 'regained'] as const;
/** One of {@link TAKEOVER_CAUSES}. */
export type TakeoverCause = (typeof TAKEOVER_CAUSES)[number];
