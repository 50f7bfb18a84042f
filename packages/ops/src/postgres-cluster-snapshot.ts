import { buildClusterSnapshot, type ClusterSnapshot, type IntentRecord, type LockHolder } from './cluster-snapshot';
import type { NodeRecord } from './node-record';
import { assertOpsSchema, opsTables, runQuery, type OpsSchemaOptions } from './ops-schema';
import type { PostgresQueryable } from './postgres-queryable';
import { LOCK_APPLICATION_PREFIX } from './postgres-ops-node';

/** The node id in an `application_name` `polecat:{nodeId}`, if it is one. */
export function nodeIdOfApplicationName(applicationName: string | null | undefined): string | undefined {
  if (typeof applicationName !== 'string' || !applicationName.startsWith(LOCK_APPLICATION_PREFIX)) return undefined;
  const id = applicationName.slice(LOCK_APPLICATION_PREFIX.length);
  return id.length === 0 ? undefined : id;
}

/** The advisory-lock key (signed 64-bit, decimal) of a `pg_locks` row's `classid` (high half) and `objid` (low half). */
export function advisoryKey(classid: string | number, objid: string | number): string {
  return BigInt.asIntN(64, (BigInt(classid) << 32n) | BigInt(objid)).toString();
}

interface LockRow {
  readonly pid: number;
  readonly classid: string;
  readonly objid: string;
  readonly application_name: string | null;
}

/** One registry row as read: `sets` and `owned` are JSON values on PostgreSQL (`jsonb`), JSON text on SQL Server. */
export interface NodeRow {
  readonly node_id: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly started_at: Date | string;
  readonly seen_at: Date | string;
  readonly sets: NodeRecord['sets'] | string;
  readonly owned: NodeRecord['owned'] | string;
}

interface IntentRow {
  readonly kind: 'pause' | 'drain';
  readonly target: string;
  readonly requested_by: string;
  readonly requested_at: Date | string;
  readonly reason: string | null;
}

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

/** Maps a registry row (both backends); `toIso` reads its times (default: a `Date`, or text `Date` parses). */
export function nodeRecord(row: NodeRow, toIso: (value: Date | string) => string = iso): NodeRecord {
  return {
    nodeId: row.node_id,
    host: row.host,
    pid: row.pid,
    version: row.version,
    startedAt: toIso(row.started_at),
    seenAt: toIso(row.seen_at),
    sets: typeof row.sets === 'string' ? (JSON.parse(row.sets) as NodeRecord['sets']) : row.sets,
    owned: typeof row.owned === 'string' ? (JSON.parse(row.owned) as NodeRecord['owned']) : row.owned,
  };
}

/** Maps an intent row. */
export function intentRecord(row: IntentRow): IntentRecord {
  return {
    kind: row.kind,
    target: row.target,
    requestedBy: row.requested_by,
    requestedAt: iso(row.requested_at),
    ...(row.reason === null ? {} : { reason: row.reason }),
  };
}

/** Reads the registry rows. */
export async function readNodeRecords(db: PostgresQueryable, options: OpsSchemaOptions = {}): Promise<NodeRecord[]> {
  const { rows } = await runQuery(db, `SELECT node_id, host, pid, version, started_at, seen_at, sets, owned FROM ${opsTables(options).nodes}`);
  return (rows as readonly NodeRow[]).map((row) => nodeRecord(row));
}

/** Reads the recorded intents. */
export async function readIntents(db: PostgresQueryable, options: OpsSchemaOptions = {}): Promise<IntentRecord[]> {
  const { rows } = await runQuery(db, `SELECT kind, target, requested_by, requested_at, reason FROM ${opsTables(options).intents} ORDER BY requested_at`);
  return (rows as readonly IntentRow[]).map(intentRecord);
}

/**
 * The cluster as PostgreSQL sees it, without joining it (4 queries, no lock taken): every set the
 * nodes registered with the session holding its advisory lock (`pg_locks`, `locktype = 'advisory'`,
 * key = `classid` << 32 | `objid`, in this database only), the node named by that session's
 * `application_name` (`pg_stat_activity`), since when (the holder's registry entry), live nodes,
 * sets nobody holds, pause and drain intents, agents not running. Throws `OpsError`
 * `SCHEMA_MISSING` when the ops tables are not there.
 * @example const snapshot = await readPostgresClusterSnapshot(pool);
 */
export async function readPostgresClusterSnapshot(db: PostgresQueryable, options: OpsSchemaOptions = {}): Promise<ClusterSnapshot> {
  await assertOpsSchema(db, options);
  const nodes = await readNodeRecords(db, options);
  const intents = await readIntents(db, options);
  const { rows } = await runQuery(
    db,
    `SELECT l.pid, l.classid::text AS classid, l.objid::text AS objid, a.application_name, now() AS at
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  const sessionRows = await runQuery(
    db,
    `SELECT pid, application_name, now() AS at FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1`,
    [`${LOCK_APPLICATION_PREFIX}%`],
  );
  const locks = new Map<string, LockHolder>();
  for (const row of rows as readonly LockRow[]) {
    const nodeId = nodeIdOfApplicationName(row.application_name);
    locks.set(advisoryKey(row.classid, row.objid), {
      session: row.pid,
      applicationName: row.application_name ?? '',
      ...(nodeId === undefined ? {} : { nodeId }),
    });
  }
  const sessions = (sessionRows.rows as readonly { pid: number; application_name: string; at: Date }[]).map((row) => {
    const nodeId = nodeIdOfApplicationName(row.application_name);
    return { session: row.pid, applicationName: row.application_name, ...(nodeId === undefined ? {} : { nodeId }) };
  });
  const at = (sessionRows.rows[0] as { at?: Date } | undefined)?.at ?? new Date();
  return buildClusterSnapshot({ backend: 'postgres', at: iso(at), nodes, locks, sessions, intents });
}
