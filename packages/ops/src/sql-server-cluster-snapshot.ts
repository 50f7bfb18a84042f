import { buildClusterSnapshot, type ClusterSnapshot, type IntentRecord, type LockHolder } from './cluster-snapshot';
import type { KnownSetRecord, NodeRecord } from './node-record';
import { OpsError } from './ops-error';
import { nodeIdOfApplicationName } from './postgres-cluster-snapshot';
import { APPLOCK_HELD_SQL, LOCK_HOLDERS_SQL, POLECAT_SESSIONS_SQL } from './sql-server/sql-server-ops-statements';

/** The part of an `mssql.ConnectionPool` this package uses (structural: no `mssql` import). */
export interface SqlServerQueryable {
  request(): SqlServerRequestLike;
}

/** The part of an `mssql.Request` this package uses. */
export interface SqlServerRequestLike {
  input(name: string, value: unknown): SqlServerRequestLike;
  query(text: string): Promise<{ readonly recordset: readonly unknown[] }>;
}

/** Options of {@link readSqlServerClusterSnapshot}. */
export interface SqlServerSnapshotOptions {
  /**
   * The sets to report (SQL Server has no registry table in this version): e.g. built from the
   * shard identities with `computeLockId(schema, identity, daemonLockId)`.
   */
  readonly sets: readonly KnownSetRecord[];
  /** Registry rows (`readSqlServerNodeRecords`), when the ops tables exist: their sets are reported too. Default none. */
  readonly nodes?: readonly NodeRecord[];
  /** Intents in force (`readSqlServerIntents`). Default none. */
  readonly intents?: readonly IntentRecord[];
  /** The `sp_getapplock` resource name of a lock id. Default: the plain decimal id (the SQL Server lock's default, empty prefix). */
  readonly resourceName?: (lockId: number) => string;
}

/** Characters of the resource name that `sys.dm_tran_locks.resource_description` keeps for an APPLICATION lock. */
export const SQL_SERVER_DESCRIPTION_NAME_LENGTH = 32;

/**
 * The resource-name part of an APPLICATION lock's `resource_description`, which Microsoft documents
 * as `<DbPrincipalId>:<upto 32 characters>:(<hash_value>)` (the name may appear in brackets).
 * `undefined` for anything else.
 * @see https://learn.microsoft.com/sql/relational-databases/system-dynamic-management-views/sys-dm-tran-locks-transact-sql
 */
export function applicationLockNamePrefix(description: string): string | undefined {
  const match = /^\s*\d+:(.*):\([0-9a-fA-F]+\)\s*$/.exec(description);
  if (match === null) return undefined;
  const name = match[1]!;
  return name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
}

interface LockRow {
  readonly session_id: number;
  readonly resource_description: string;
  readonly program_name: string | null;
}

/**
 * The cluster as SQL Server sees it, for the given sets: APPLICATION locks held by sessions
 * (`sys.dm_tran_locks`, `request_owner_type = 'SESSION'`) joined with `sys.dm_exec_sessions`
 * (`program_name` = the lock connection's `APP_NAME()`, `polecat:{nodeId}` names the node). The
 * description keeps only 32 characters of a resource name, so when several known names share
 * that prefix, `APPLOCK_TEST` per name tells which are held. Needs `VIEW SERVER STATE` (SQL Server
 * 2019) or `VIEW SERVER PERFORMANCE STATE` (2022) to see other sessions' locks. With the SQL Server
 * ops tables (`ensureSqlServerOpsSchema`), pass `nodes` and `intents` (see
 * `readSqlServerClusterSnapshotWithRegistry`) for `since`, agents, pauses and drains. Written against
 * Microsoft's documentation (statements: `sql-server/sql-server-ops-statements.ts`); not run against a
 * server here.
 */
export async function readSqlServerClusterSnapshot(db: SqlServerQueryable, options: SqlServerSnapshotOptions): Promise<ClusterSnapshot> {
  const resourceName = options.resourceName ?? ((lockId: number) => String(lockId));
  const query = async (text: string, inputs: Record<string, unknown> = {}): Promise<readonly unknown[]> => {
    try {
      let request = db.request();
      for (const [name, value] of Object.entries(inputs)) request = request.input(name, value);
      return (await request.query(text)).recordset;
    } catch (cause) {
      throw new OpsError('QUERY_FAILED', `SQL Server query failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  };
  const lockRows = (await query(LOCK_HOLDERS_SQL)) as readonly LockRow[];
  const sessionRows = (await query(POLECAT_SESSIONS_SQL)) as readonly { session_id: number; program_name: string; at: Date }[];
  const byPrefix = new Map<string, KnownSetRecord[]>();
  const sets = new Map([...options.sets, ...(options.nodes ?? []).flatMap((node) => node.sets)].map((set) => [set.key, set]));
  for (const set of sets.values()) {
    const prefix = resourceName(set.lockId).slice(0, SQL_SERVER_DESCRIPTION_NAME_LENGTH);
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), set]);
  }
  const locks = new Map<string, LockHolder>();
  for (const row of lockRows) {
    const prefix = applicationLockNamePrefix(row.resource_description);
    const candidates = prefix === undefined ? [] : (byPrefix.get(prefix) ?? []);
    let held = candidates;
    if (candidates.length > 1) {
      // APPLOCK_TEST returns 0 when the lock could not be granted now, i.e. some session holds it
      held = [];
      for (const set of candidates) {
        const [result] = (await query(APPLOCK_HELD_SQL, { resource: resourceName(set.lockId) })) as { grantable: number }[];
        if (result?.grantable === 0) held.push(set);
      }
    }
    if (held.length !== 1) continue; // ambiguous: two held names share the prefix; not attributed
    const nodeId = nodeIdOfApplicationName(row.program_name);
    locks.set(String(held[0]!.lockId), { session: row.session_id, applicationName: row.program_name ?? '', ...(nodeId === undefined ? {} : { nodeId }) });
  }
  const sessions = sessionRows.map((row) => {
    const nodeId = nodeIdOfApplicationName(row.program_name);
    return { session: row.session_id, applicationName: row.program_name, ...(nodeId === undefined ? {} : { nodeId }) };
  });
  const at = sessionRows[0]?.at ?? new Date();
  return buildClusterSnapshot({
    backend: 'sql-server',
    at: new Date(at).toISOString(),
    nodes: options.nodes ?? [],
    knownSets: options.sets,
    locks,
    sessions,
    intents: options.intents ?? [],
  });
}
