/**
 * How a node takes part in coordination:
 * - `Disabled`: no agents run here and nothing touches a lock (the original's "no distributor").
 * - `Solo`: this node runs every shard without locks (single node, tests); use a Solo distributor.
 * - `HotCold`: shards are spread over the nodes by database application locks; use a
 *   SingleTenant (one database) or MultiTenanted (several databases) distributor.
 */
export const DAEMON_MODES = ['Disabled', 'Solo', 'HotCold'] as const;

/** One of {@link DAEMON_MODES}. */
export type DaemonMode = (typeof DAEMON_MODES)[number];

/** `true` when `value` is a {@link DaemonMode}. */
export function isDaemonMode(value: unknown): value is DaemonMode {
  return typeof value === 'string' && (DAEMON_MODES as readonly string[]).includes(value);
}
