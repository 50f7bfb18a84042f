/** Member slots per database when none is configured: at most this many nodes are counted. */
export const DEFAULT_MAX_NODES = 64;

/**
 * What one membership probe of one database saw (see `ProjectionDistributor.probeMembership`).
 * Membership lives in the lock itself: each node holds ONE "member slot" lock per database, so a
 * node that dies (or whose connection dies) leaves the count at the same moment its set locks are
 * freed. No table, no heartbeat.
 */
export interface DatabaseMembership {
  /**
   * Live nodes of this store on this database, this node included: member slots held by anyone
   * (+1 for this node while it could not take a slot). Nodes that take no slot (.NET Polecat
   * nodes, nodes with balancing off) are not counted.
   */
  readonly liveNodes: number;
  /** Keys of the given sets that NO node holds right now (not even this one). */
  readonly free: ReadonlySet<string>;
  /** Whether this node holds a member slot on this database. */
  readonly member: boolean;
  /**
   * This node's position (0-based) among the live members of this database, ordered by member-slot
   * index; absent while it holds no slot. Every member sees the same order, so a policy can give the
   * `sets % liveNodes` extra sets to the first members and every node knows its exact share.
   */
  readonly rank?: number;
}

/** The start of every member slot id (see {@link memberSlotId}). */
export const MEMBER_SLOT_PREFIX = 'polecat:member:';

/**
 * The lock id (a string, never a 32-bit number, so it cannot meet a set's lock id) of member slot
 * `index` of one store on one database: `polecat:member:{scope}:{index}`. `scope` identifies the
 * store (distributor kind, schema and lock-id base), so two stores in one database count their
 * nodes separately.
 * @example memberSlotId('single-tenant:dbo:4444', 0) // 'polecat:member:single-tenant:dbo:4444:0'
 */
export function memberSlotId(scope: string, index: number): string {
  return `${MEMBER_SLOT_PREFIX}${scope}:${index}`;
}
