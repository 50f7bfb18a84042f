import { userInfo, hostname } from 'node:os';
import type { IntentRecord } from './cluster-snapshot';
import { assertNodeId } from './internal/identifiers';
import type { KnownSetRecord } from './node-record';
import { OpsError } from './ops-error';
import { OPS_NOTIFY_CHANNEL, assertOpsSchema, opsTables, runQuery, type OpsSchemaOptions } from './ops-schema';
import { intentRecord, readIntents, readNodeRecords } from './postgres-cluster-snapshot';
import type { PostgresQueryable } from './postgres-queryable';

/** Who asks and why (recorded with the intent and in `polecat_intent_log`). */
export interface IntentRequestOptions extends OpsSchemaOptions {
  /** Default `user@host` of this process. */
  readonly by?: string;
  /** Free text, shown by `polecat status`. */
  readonly reason?: string;
}

/** Options of {@link pauseShard}. */
export interface PauseOptions extends IntentRequestOptions {
  /** Record the pause even if no registered node knows the shard yet (e.g. before a deploy). Default `false`. */
  readonly force?: boolean;
}

/** What an intent operation did. */
export interface IntentChange {
  /** `false` when the intent was already in that state (resume of a running shard, ...). */
  readonly changed: boolean;
  /** The intent's target as recorded (a shard identity, set key or node id). */
  readonly target: string;
  /** The intent now in force (pause, drain), absent after resume / undrain. */
  readonly intent?: IntentRecord;
}

/** The default `by`: `user@host`. */
export function defaultRequester(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep 'unknown'
  }
  return `${user}@${hostname()}`;
}

/**
 * Resolves what an operator typed to a pause target: a set key (`default/255106635`), a shard
 * identity (`Trip:All`), or a shard name whose identity is `{name}:All`. `undefined` when no known
 * set matches.
 */
export function resolveShardTarget(input: string, known: readonly KnownSetRecord[]): string | undefined {
  if (known.some((set) => set.key === input || set.shards.includes(input))) return input;
  const withKey = `${input}:All`;
  if (known.some((set) => set.shards.includes(withKey))) return withKey;
  return undefined;
}

/** Checks a free-text argument: 1 to `max` characters without NUL; throws `INVALID_ARGUMENT` otherwise. */
export function checkText(name: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || value.includes('\0')) {
    throw new OpsError('INVALID_ARGUMENT', `${name} must be 1 to ${max} characters without NUL, got ${JSON.stringify(value)}`);
  }
  return value;
}

async function knownSets(db: PostgresQueryable, options: OpsSchemaOptions): Promise<KnownSetRecord[]> {
  return (await readNodeRecords(db, options)).flatMap((node) => node.sets);
}

async function record(
  db: PostgresQueryable,
  options: IntentRequestOptions,
  kind: 'pause' | 'drain',
  action: 'pause' | 'drain',
  target: string,
): Promise<IntentRecord> {
  const t = opsTables(options);
  const by = checkText('by', options.by ?? defaultRequester(), 200);
  const reason = options.reason === undefined ? null : checkText('reason', options.reason, 2000);
  // one statement: intent, log line and notification commit together
  const { rows } = await runQuery(
    db,
    `WITH intent AS (
       INSERT INTO ${t.intents} (kind, target, requested_by, reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, target) DO UPDATE SET requested_by = EXCLUDED.requested_by, requested_at = now(), reason = EXCLUDED.reason
       RETURNING kind, target, requested_by, requested_at, reason),
     logged AS (INSERT INTO ${t.log} (action, target, requested_by, reason) VALUES ($5, $2, $3, $4) RETURNING id)
     SELECT intent.*, pg_notify($6, $7) FROM intent, logged`,
    [kind, target, by, reason, action, OPS_NOTIFY_CHANNEL, options.schema ?? 'public'],
  );
  return intentRecord(rows[0] as Parameters<typeof intentRecord>[0]);
}

async function remove(
  db: PostgresQueryable,
  options: IntentRequestOptions,
  kind: 'pause' | 'drain',
  action: 'resume' | 'undrain',
  target: string,
): Promise<boolean> {
  const t = opsTables(options);
  const by = checkText('by', options.by ?? defaultRequester(), 200);
  const reason = options.reason === undefined ? null : checkText('reason', options.reason, 2000);
  const { rows } = await runQuery(
    db,
    `WITH gone AS (DELETE FROM ${t.intents} WHERE kind = $1 AND target = $2 RETURNING target),
     logged AS (INSERT INTO ${t.log} (action, target, requested_by, reason) SELECT $3, $2, $4, $5 FROM gone RETURNING id)
     SELECT pg_notify($6, $7) FROM logged`,
    [kind, target, action, by, reason, OPS_NOTIFY_CHANNEL, options.schema ?? 'public'],
  );
  return rows.length > 0;
}

/**
 * Pauses a shard cluster-wide: every coordinator with a {@link PostgresOpsNode} hands its set over
 * and none attempts it (at once through NOTIFY, else within `refreshMs` + one cycle), across
 * restarts and rebalancing, until {@link resumeShard}. `shard` is a shard identity (`Trip:All`), a
 * shard name (`Trip`) or a set key. Throws `OpsError` `UNKNOWN_SHARD` when no registered node
 * knows it (unless `force`), `SCHEMA_MISSING` without the ops tables.
 */
export async function pauseShard(db: PostgresQueryable, shard: string, options: PauseOptions = {}): Promise<IntentChange> {
  checkText('shard', shard, 500);
  await assertOpsSchema(db, options);
  const known = await knownSets(db, options);
  // forced: a bare name means its default identity (`Trip` -> `Trip:All`), as for known shards
  const target = resolveShardTarget(shard, known) ?? (options.force === true ? (/[:/]/.test(shard) ? shard : `${shard}:All`) : undefined);
  if (target === undefined) throw unknownShard(shard, known);
  const already = (await readIntents(db, options)).some((intent) => intent.kind === 'pause' && intent.target === target);
  return { changed: !already, target, intent: await record(db, options, 'pause', 'pause', target) };
}

/** Lifts a pause (the shard runs again on some node). Throws `UNKNOWN_SHARD` when it is neither paused nor known. */
export async function resumeShard(db: PostgresQueryable, shard: string, options: IntentRequestOptions = {}): Promise<IntentChange> {
  checkText('shard', shard, 500);
  await assertOpsSchema(db, options);
  const paused = (await readIntents(db, options)).filter((intent) => intent.kind === 'pause').map((intent) => intent.target);
  const known = await knownSets(db, options);
  const target = paused.includes(shard) ? shard : resolveShardTarget(shard, known);
  if (target === undefined) throw unknownShard(shard, known);
  return { changed: await remove(db, options, 'pause', 'resume', target), target };
}

/** Drains a node: it hands every set over and takes none until {@link undrainNode} (also across its restarts). Throws `UNKNOWN_NODE` for a node that never registered. */
export async function drainNode(db: PostgresQueryable, nodeId: string, options: IntentRequestOptions = {}): Promise<IntentChange> {
  assertNodeId(nodeId);
  await assertOpsSchema(db, options);
  const nodes = await readNodeRecords(db, options);
  if (!nodes.some((node) => node.nodeId === nodeId))
    throw unknownNode(
      nodeId,
      nodes.map((node) => node.nodeId),
    );
  const already = (await readIntents(db, options)).some((intent) => intent.kind === 'drain' && intent.target === nodeId);
  return { changed: !already, target: nodeId, intent: await record(db, options, 'drain', 'drain', nodeId) };
}

/** Ends a drain: the node takes sets again. Throws `UNKNOWN_NODE` when it is neither draining nor registered. */
export async function undrainNode(db: PostgresQueryable, nodeId: string, options: IntentRequestOptions = {}): Promise<IntentChange> {
  assertNodeId(nodeId);
  await assertOpsSchema(db, options);
  const draining = (await readIntents(db, options)).some((intent) => intent.kind === 'drain' && intent.target === nodeId);
  if (!draining) {
    const nodes = await readNodeRecords(db, options);
    if (!nodes.some((node) => node.nodeId === nodeId))
      throw unknownNode(
        nodeId,
        nodes.map((node) => node.nodeId),
      );
  }
  return { changed: await remove(db, options, 'drain', 'undrain', nodeId), target: nodeId };
}

/** The `UNKNOWN_SHARD` error, listing the known shards. */
export function unknownShard(shard: string, known: readonly KnownSetRecord[]): OpsError {
  const names = [...new Set(known.flatMap((set) => set.shards))].sort();
  const list =
    names.length === 0
      ? 'no node has registered any shard yet'
      : `known shards: ${names.slice(0, 20).join(', ')}${names.length > 20 ? `, ... (${names.length})` : ''}`;
  return new OpsError('UNKNOWN_SHARD', `no registered node knows shard ${JSON.stringify(shard)} (${list}); pass force (--force) to pause it anyway`);
}

/** The `UNKNOWN_NODE` error, listing the registered nodes. */
export function unknownNode(nodeId: string, known: readonly string[]): OpsError {
  return new OpsError(
    'UNKNOWN_NODE',
    `no node ${JSON.stringify(nodeId)} has registered (${known.length === 0 ? 'none has' : `registered: ${[...known].sort().join(', ')}`})`,
  );
}
