import { quotedSchema, sqlState } from './internal/identifiers';
import { OpsError } from './ops-error';
import type { PostgresQueryable } from './postgres-queryable';

/** Where the ops tables live. */
export interface OpsSchemaOptions {
  /** Schema of the tables (must exist). Default `'public'`. */
  readonly schema?: string;
}

/** The NOTIFY channel on which intent changes are announced (payload: the schema name). */
export const OPS_NOTIFY_CHANNEL = 'polecat_ops_intents';

/** The advisory key that serialises concurrent schema creation ('polecat0' as a big-endian int64; outside the 32-bit lock-id range). */
const SCHEMA_LOCK_KEY = '8101238285386150960';

/** Qualified, quoted names of the three tables. */
export function opsTables(options: OpsSchemaOptions = {}): { readonly nodes: string; readonly intents: string; readonly log: string } {
  const schema = quotedSchema(options.schema ?? 'public');
  return { nodes: `${schema}.polecat_nodes`, intents: `${schema}.polecat_intents`, log: `${schema}.polecat_intent_log` };
}

/**
 * The DDL of the ops tables, for teams that run migrations themselves. Idempotent. Privileges: the
 * owner of the migration needs `CREATE` on the schema; nodes need `SELECT, INSERT, UPDATE` on
 * `polecat_nodes` and `SELECT` on `polecat_intents`; operators (`polecat pause` ...) need
 * `SELECT, INSERT, DELETE` on `polecat_intents` and `INSERT` (+ the sequence's `USAGE`) on
 * `polecat_intent_log`; `polecat status` needs `SELECT` on the three tables (reading
 * `pg_locks` needs nothing; other roles' `application_name` in `pg_stat_activity` is visible to
 * every role, and `pg_read_all_stats` is not needed).
 */
export function opsMigration(options: OpsSchemaOptions = {}): string {
  const t = opsTables(options);
  return `CREATE TABLE IF NOT EXISTS ${t.nodes} (
  node_id    text        NOT NULL PRIMARY KEY,
  host       text        NOT NULL,
  pid        integer     NOT NULL,
  version    text        NOT NULL,
  started_at timestamptz NOT NULL,
  seen_at    timestamptz NOT NULL,
  sets       jsonb       NOT NULL DEFAULT '[]'::jsonb,
  owned      jsonb       NOT NULL DEFAULT '[]'::jsonb
);
CREATE TABLE IF NOT EXISTS ${t.intents} (
  kind         text        NOT NULL CHECK (kind IN ('pause', 'drain')),
  target       text        NOT NULL,
  requested_by text        NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  reason       text,
  PRIMARY KEY (kind, target)
);
CREATE TABLE IF NOT EXISTS ${t.log} (
  id           bigserial   NOT NULL PRIMARY KEY,
  action       text        NOT NULL CHECK (action IN ('pause', 'resume', 'drain', 'undrain')),
  target       text        NOT NULL,
  requested_by text        NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  reason       text
);`;
}

// duplicate_table, duplicate_object, unique_violation (pg_type), when two sessions create at once
const DUPLICATE_CODES = new Set(['42P07', '42710', '23505']);

/**
 * Creates the ops tables if missing. Safe to race: the statements run in one implicit transaction
 * behind a transaction-scoped advisory lock (so concurrent callers wait for each other), and the
 * duplicate errors a concurrent `CREATE TABLE IF NOT EXISTS` can still raise count as success.
 * Throws `OpsError` `QUERY_FAILED` otherwise (e.g. no `CREATE` privilege; the cause says why).
 */
export async function ensureOpsSchema(db: PostgresQueryable, options: OpsSchemaOptions = {}): Promise<void> {
  // no parameters: one simple-protocol query, i.e. one implicit transaction for every statement
  const sql = `SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY});\n${opsMigration(options)}`;
  try {
    await db.query(sql);
  } catch (cause) {
    if (DUPLICATE_CODES.has(sqlState(cause) ?? '')) return;
    throw new OpsError('QUERY_FAILED', `could not create the ops tables (${describe(cause)})`, { cause });
  }
}

/** Throws `OpsError` `SCHEMA_MISSING` when the ops tables are not there. */
export async function assertOpsSchema(db: PostgresQueryable, options: OpsSchemaOptions = {}): Promise<void> {
  const t = opsTables(options);
  const { rows } = await runQuery(db, 'SELECT to_regclass($1) AS nodes, to_regclass($2) AS intents, to_regclass($3) AS log', [t.nodes, t.intents, t.log]);
  const row = rows[0] as { nodes: unknown; intents: unknown; log: unknown } | undefined;
  if (row === undefined || row.nodes === null || row.intents === null || row.log === null) {
    throw new OpsError(
      'SCHEMA_MISSING',
      `the ops tables (${t.nodes}, ${t.intents}, ${t.log}) do not exist in this database; create them with \`polecat init <connection>\` or ensureOpsSchema()`,
    );
  }
}

/** Runs a query; a missing table becomes `SCHEMA_MISSING`, anything else `QUERY_FAILED`. */
export async function runQuery(db: PostgresQueryable, text: string, values?: unknown[]): Promise<{ readonly rows: readonly unknown[] }> {
  try {
    return await db.query(text, values);
  } catch (cause) {
    if (OpsError.is(cause)) throw cause;
    if (sqlState(cause) === '42P01')
      throw new OpsError(
        'SCHEMA_MISSING',
        `the ops tables do not exist in this database; create them with \`polecat init <connection>\` (${describe(cause)})`,
        { cause },
      );
    throw new OpsError('QUERY_FAILED', `query failed: ${describe(cause)}`, { cause });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
