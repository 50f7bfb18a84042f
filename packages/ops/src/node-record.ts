import type { CoordinatorStatus } from '@polecat/coordinator';
import type { ProjectionSet } from '@polecat/distributors';

/** A set as a node registers it (the sets of its last distribution). */
export interface KnownSetRecord {
  /** `{database}/{lockId}`. */
  readonly key: string;
  readonly lockId: number;
  /** The set's database id. */
  readonly database: string;
  /** Shard identities (`Trip:All`). */
  readonly shards: readonly string[];
}

/** A set a node reported owning, with its agents. */
export interface OwnedSetRecord {
  readonly key: string;
  /** When this node became its owner (ISO 8601). */
  readonly since: string;
  readonly agents: readonly { readonly shard: string; readonly status: string }[];
}

/** One row of the node registry (`polecat_nodes`). */
export interface NodeRecord {
  readonly nodeId: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** Last registry write (ISO 8601; at most one write per `registryIntervalMs`). */
  readonly seenAt: string;
  readonly sets: readonly KnownSetRecord[];
  readonly owned: readonly OwnedSetRecord[];
}

/** The registry form of a distribution. */
export function knownSetRecords(distribution: readonly ProjectionSet[]): KnownSetRecord[] {
  return distribution.map((set) => ({ key: set.key, lockId: set.lockId, database: set.database.id, shards: set.names.map((shard) => shard.identity) }));
}

/** The registry form of a coordinator's owned sets (`since` is clock ms since the epoch). */
export function ownedSetRecords(status: Pick<CoordinatorStatus, 'owned'>): OwnedSetRecord[] {
  return status.owned.map((owned) => ({
    key: owned.key,
    since: new Date(owned.since).toISOString(),
    agents: owned.agents.map((agent) => ({ shard: agent.shard, status: agent.status })),
  }));
}
