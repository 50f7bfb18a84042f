import type { IntentRecord } from '../cluster-snapshot';
import {
  checkText,
  defaultRequester,
  resolveShardTarget,
  unknownNode,
  unknownShard,
  type IntentChange,
  type IntentRequestOptions,
  type PauseOptions,
} from '../intents-admin';
import { assertNodeId } from '../internal/identifiers';
import type { NodeRecord } from '../node-record';
import { OpsError } from '../ops-error';
import { intentRecord, nodeRecord, type NodeRow } from '../postgres-cluster-snapshot';
import type { SqlServerQueryable } from '../sql-server-cluster-snapshot';
import { assertSqlServerOpsSchema, runSqlServerOps, type SqlServerOpsSchemaOptions } from './sql-server-ops-schema';
import { READ_INTENTS, READ_NODES, RECORD_INTENT, REMOVE_INTENT, sqlServerOpsTables } from './sql-server-ops-statements';

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(`${value}Z`)).toISOString();

/** The registry rows of the SQL Server ops tables (`sets` and `owned` are stored as JSON text). */
export async function readSqlServerNodeRecords(db: SqlServerQueryable, options: SqlServerOpsSchemaOptions = {}): Promise<NodeRecord[]> {
  const rows = (await runSqlServerOps(db, READ_NODES, sqlServerOpsTables(options.schema))) as readonly NodeRow[];
  return rows.map((row) => nodeRecord(row, iso));
}

/** The intents recorded in the SQL Server ops tables, oldest first. */
export async function readSqlServerIntents(db: SqlServerQueryable, options: SqlServerOpsSchemaOptions = {}): Promise<IntentRecord[]> {
  const rows = (await runSqlServerOps(db, READ_INTENTS, sqlServerOpsTables(options.schema))) as readonly Parameters<typeof intentRecord>[0][];
  return rows.map(intentRecord).sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
}

/** `pauseShard` on SQL Server: same semantics, target resolution and errors as on PostgreSQL. */
export async function pauseShardOnSqlServer(db: SqlServerQueryable, shard: string, options: PauseOptions = {}): Promise<IntentChange> {
  checkText('shard', shard, 500);
  await assertSqlServerOpsSchema(db, options);
  const known = (await readSqlServerNodeRecords(db, options)).flatMap((node) => node.sets);
  const target = resolveShardTarget(shard, known) ?? (options.force === true ? (/[:/]/.test(shard) ? shard : `${shard}:All`) : undefined);
  if (target === undefined) throw unknownShard(shard, known);
  const already = (await readSqlServerIntents(db, options)).some((intent) => intent.kind === 'pause' && intent.target === target);
  return { changed: !already, target, intent: await record(db, options, 'pause', target) };
}

/** `resumeShard` on SQL Server. */
export async function resumeShardOnSqlServer(db: SqlServerQueryable, shard: string, options: IntentRequestOptions = {}): Promise<IntentChange> {
  checkText('shard', shard, 500);
  await assertSqlServerOpsSchema(db, options);
  const paused = (await readSqlServerIntents(db, options)).filter((intent) => intent.kind === 'pause').map((intent) => intent.target);
  const known = (await readSqlServerNodeRecords(db, options)).flatMap((node) => node.sets);
  const target = paused.includes(shard) ? shard : resolveShardTarget(shard, known);
  if (target === undefined) throw unknownShard(shard, known);
  return { changed: await remove(db, options, 'pause', 'resume', target), target };
}

/** `drainNode` on SQL Server. */
export async function drainNodeOnSqlServer(db: SqlServerQueryable, nodeId: string, options: IntentRequestOptions = {}): Promise<IntentChange> {
  assertNodeId(nodeId);
  await assertSqlServerOpsSchema(db, options);
  const nodes = await readSqlServerNodeRecords(db, options);
  if (!nodes.some((node) => node.nodeId === nodeId))
    throw unknownNode(
      nodeId,
      nodes.map((node) => node.nodeId),
    );
  const already = (await readSqlServerIntents(db, options)).some((intent) => intent.kind === 'drain' && intent.target === nodeId);
  return { changed: !already, target: nodeId, intent: await record(db, options, 'drain', nodeId) };
}

/** `undrainNode` on SQL Server. */
export async function undrainNodeOnSqlServer(db: SqlServerQueryable, nodeId: string, options: IntentRequestOptions = {}): Promise<IntentChange> {
  assertNodeId(nodeId);
  await assertSqlServerOpsSchema(db, options);
  const draining = (await readSqlServerIntents(db, options)).some((intent) => intent.kind === 'drain' && intent.target === nodeId);
  if (!draining) {
    const nodes = await readSqlServerNodeRecords(db, options);
    if (!nodes.some((node) => node.nodeId === nodeId))
      throw unknownNode(
        nodeId,
        nodes.map((node) => node.nodeId),
      );
  }
  return { changed: await remove(db, options, 'drain', 'undrain', nodeId), target: nodeId };
}

async function record(db: SqlServerQueryable, options: IntentRequestOptions, kind: 'pause' | 'drain', target: string): Promise<IntentRecord> {
  const [row] = await runSqlServerOps(db, RECORD_INTENT, sqlServerOpsTables(options.schema), { kind, action: kind, target, ...requester(options) });
  if (row === undefined) throw new OpsError('QUERY_FAILED', `recording the ${kind} of ${JSON.stringify(target)} returned no row`);
  return intentRecord(row as Parameters<typeof intentRecord>[0]);
}

async function remove(
  db: SqlServerQueryable,
  options: IntentRequestOptions,
  kind: 'pause' | 'drain',
  action: 'resume' | 'undrain',
  target: string,
): Promise<boolean> {
  const [row] = (await runSqlServerOps(db, REMOVE_INTENT, sqlServerOpsTables(options.schema), { kind, action, target, ...requester(options) })) as readonly (
    { removed?: number } | undefined
  )[];
  return (row?.removed ?? 0) > 0;
}

function requester(options: IntentRequestOptions): { by: string; reason: string | null } {
  return {
    by: checkText('by', options.by ?? defaultRequester(), 200),
    reason: options.reason === undefined ? null : checkText('reason', options.reason, 2000),
  };
}
