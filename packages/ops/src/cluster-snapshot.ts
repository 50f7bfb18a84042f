import type { KnownSetRecord, NodeRecord, OwnedSetRecord } from './node-record';
import { findStrandedLocks, type StrandedLock } from './stranded-locks';

/** An operator's recorded intent (who asked, when, why). */
export interface IntentRecord {
  readonly kind: 'pause' | 'drain';
  /** Shard identity or set key (pause), node id (drain). */
  readonly target: string;
  readonly requestedBy: string;
  /** ISO 8601. */
  readonly requestedAt: string;
  readonly reason?: string;
}

/** A database session holding a lock, as the server reports it. */
export interface LockHolder {
  /** The node id read from `application_name` `polecat:{nodeId}`; absent for other sessions (a .NET node, a tool). */
  readonly nodeId?: string;
  /** Server session id (PostgreSQL backend pid, SQL Server session_id). */
  readonly session: number;
  readonly applicationName: string;
}

/** One set of the cluster and who holds it. */
export interface SetView {
  readonly key: string;
  readonly lockId: number;
  readonly database: string;
  readonly shards: readonly string[];
  /** Who holds its lock right now; absent when nobody does. */
  readonly holder?: LockHolder;
  /** Since when the holder owns it (from the holder's registry entry, ISO 8601); absent when not reported yet. */
  readonly since?: string;
  /** The pause intent that applies to it (on its key or one of its shards). */
  readonly paused?: IntentRecord;
  /** The holder's agents of this set, as last registered. */
  readonly agents: readonly { readonly shard: string; readonly status: string }[];
}

/** One node: registered, or seen only through its lock sessions. */
export interface NodeView {
  readonly nodeId: string;
  readonly host?: string;
  readonly pid?: number;
  readonly version?: string;
  readonly startedAt?: string;
  readonly seenAt?: string;
  /** It has at least one lock session open now. */
  readonly live: boolean;
  /** Its drain intent, when one is recorded. */
  readonly draining?: IntentRecord;
  /** Keys of the sets it holds now. */
  readonly holds: readonly string[];
}

/** The whole cluster as the database sees it, read without joining it. */
export interface ClusterSnapshot {
  readonly backend: 'postgres' | 'sql-server';
  /** When it was read (server clock, ISO 8601). */
  readonly at: string;
  readonly nodes: readonly NodeView[];
  readonly sets: readonly SetView[];
  /** Keys of the sets nobody holds (paused ones included). */
  readonly unheld: readonly string[];
  readonly paused: readonly IntentRecord[];
  readonly draining: readonly IntentRecord[];
  /** Agents that are not running on their holder (e.g. `Stopping`: aborted, not returned yet; `Paused`: failed). */
  readonly unsettledAgents: readonly { readonly nodeId: string; readonly set: string; readonly shard: string; readonly status: string }[];
  /** Held locks whose holder is not a live node (e.g. left on a pooler's server connection); see `polecat terminate`. */
  readonly strandedLocks: readonly StrandedLock[];
}

/** What {@link buildClusterSnapshot} combines (each part read by one query). */
export interface ClusterSnapshotInput {
  readonly backend: ClusterSnapshot['backend'];
  readonly at: string;
  /** Registry rows. */
  readonly nodes: readonly NodeRecord[];
  /** Held lock ids (as decimal strings of the lock key) with the holding session. */
  readonly locks: ReadonlyMap<string, LockHolder>;
  /** Lock sessions of nodes (`application_name` `polecat:...`), live or not holding anything. */
  readonly sessions: readonly LockHolder[];
  readonly intents: readonly IntentRecord[];
  /** Sets known without a registry (SQL Server); registry sets win for the same key. */
  readonly knownSets?: readonly KnownSetRecord[];
  /** The lock key of a set's lock id (PostgreSQL: the decimal id). */
  readonly lockKey?: (set: KnownSetRecord) => string;
}

/** Combines registry rows, held locks, sessions and intents into a {@link ClusterSnapshot} (pure). */
export function buildClusterSnapshot(input: ClusterSnapshotInput): ClusterSnapshot {
  const lockKey = input.lockKey ?? ((set: KnownSetRecord) => String(set.lockId));
  const pauses = input.intents.filter((intent) => intent.kind === 'pause');
  const drains = new Map(input.intents.filter((intent) => intent.kind === 'drain').map((intent) => [intent.target, intent]));
  // known sets: the most recently registered description of each key wins
  const known = new Map<string, KnownSetRecord>((input.knownSets ?? []).map((set) => [set.key, set]));
  const byRecency = [...input.nodes].sort((a, b) => a.seenAt.localeCompare(b.seenAt));
  for (const node of byRecency) for (const set of node.sets) known.set(set.key, set);
  const ownedBy = new Map<string, Map<string, OwnedSetRecord>>(
    input.nodes.map((node) => [node.nodeId, new Map(node.owned.map((owned) => [owned.key, owned]))]),
  );

  const sets: SetView[] = [...known.values()]
    .sort((a, b) => a.key.localeCompare(b.key))
    .map((set) => {
      const holder = input.locks.get(lockKey(set));
      const owned = holder?.nodeId === undefined ? undefined : ownedBy.get(holder.nodeId)?.get(set.key);
      const paused = pauses.find((intent) => intent.target === set.key || set.shards.includes(intent.target));
      return {
        key: set.key,
        lockId: set.lockId,
        database: set.database,
        shards: set.shards,
        ...(holder === undefined ? {} : { holder }),
        ...(owned === undefined ? {} : { since: owned.since }),
        ...(paused === undefined ? {} : { paused }),
        agents: owned?.agents ?? [],
      };
    });

  const nodeIds = new Set<string>([
    ...input.nodes.map((node) => node.nodeId),
    ...input.sessions.flatMap((session) => (session.nodeId === undefined ? [] : [session.nodeId])),
  ]);
  const liveIds = new Set(input.sessions.flatMap((session) => (session.nodeId === undefined ? [] : [session.nodeId])));
  const records = new Map(input.nodes.map((node) => [node.nodeId, node]));
  const nodes: NodeView[] = [...nodeIds].sort().map((nodeId) => {
    const record = records.get(nodeId);
    const draining = drains.get(nodeId);
    return {
      nodeId,
      ...(record === undefined ? {} : { host: record.host, pid: record.pid, version: record.version, startedAt: record.startedAt, seenAt: record.seenAt }),
      live: liveIds.has(nodeId),
      ...(draining === undefined ? {} : { draining }),
      holds: sets.filter((set) => set.holder?.nodeId === nodeId).map((set) => set.key),
    };
  });

  const setKeyByLockKey = new Map([...known.values()].map((set) => [lockKey(set), set.key]));
  const unsettledAgents = sets.flatMap((set) =>
    set.holder?.nodeId === undefined
      ? []
      : set.agents
          .filter((agent) => agent.status !== 'Running')
          .map((agent) => ({ nodeId: set.holder!.nodeId!, set: set.key, shard: agent.shard, status: agent.status })),
  );
  return {
    backend: input.backend,
    at: input.at,
    nodes,
    sets,
    unheld: sets.filter((set) => set.holder === undefined).map((set) => set.key),
    paused: pauses,
    draining: [...drains.values()],
    unsettledAgents,
    strandedLocks: findStrandedLocks(input.locks, liveIds, (key) => setKeyByLockKey.get(key)),
  };
}
