import { OpsError } from '../ops-error';
import type { SqlServerQueryable } from '../sql-server-cluster-snapshot';
import { CREATE_OPS_TABLES, FIND_OPS_TABLES, sqlServerOpsTables, type SqlServerOpsStatement, type SqlServerOpsTables } from './sql-server-ops-statements';

/** Where the SQL Server ops tables live. */
export interface SqlServerOpsSchemaOptions {
  /** Schema of the tables (must exist). Default `'dbo'`. */
  readonly schema?: string;
}

/** SQL Server error 208: "Invalid object name '%.*ls'." (a missing table). */
const INVALID_OBJECT_NAME = 208;

/**
 * Sends one listed statement with its bound inputs (the tables' `OBJECT_ID` names are always bound
 * as `@nodesName`, `@intentsName`, `@logName`); resolves with its rows. A missing table becomes
 * `OpsError` `SCHEMA_MISSING`, anything else `QUERY_FAILED`.
 */
export async function runSqlServerOps(
  db: SqlServerQueryable,
  statement: SqlServerOpsStatement,
  tables: SqlServerOpsTables,
  inputs: Readonly<Record<string, unknown>> = {},
): Promise<readonly unknown[]> {
  const request = db.request();
  request.input('nodesName', tables.names.nodes).input('intentsName', tables.names.intents).input('logName', tables.names.log);
  for (const [name, value] of Object.entries(inputs)) request.input(name, value);
  try {
    return (await request.query(statement.sql(tables))).recordset ?? [];
  } catch (cause) {
    if (sqlServerErrorNumber(cause) === INVALID_OBJECT_NAME) {
      throw new OpsError('SCHEMA_MISSING', `the ops tables do not exist in this database; create them with ensureSqlServerOpsSchema() (${describe(cause)})`, {
        cause,
      });
    }
    throw new OpsError('QUERY_FAILED', `${statement.name} failed: ${describe(cause)}`, { cause });
  }
}

/**
 * Creates the ops tables if missing (idempotent, safe to race: see `CREATE_OPS_TABLES`). Needs
 * `CREATE TABLE` in the database and `ALTER` on the schema; nodes then need `SELECT, INSERT, UPDATE`
 * on `polecat_nodes` and `SELECT` on `polecat_intents`; operators (`pause` ...) `SELECT, INSERT,
 * UPDATE, DELETE` on `polecat_intents`, `INSERT` on `polecat_intent_log` and `SELECT` on
 * `polecat_nodes`; a status view `SELECT` on the three. Throws `OpsError` `QUERY_FAILED` otherwise.
 */
export async function ensureSqlServerOpsSchema(db: SqlServerQueryable, options: SqlServerOpsSchemaOptions = {}): Promise<void> {
  await runSqlServerOps(db, CREATE_OPS_TABLES, sqlServerOpsTables(options.schema));
}

/** Throws `OpsError` `SCHEMA_MISSING` when any of the ops tables is missing. */
export async function assertSqlServerOpsSchema(db: SqlServerQueryable, options: SqlServerOpsSchemaOptions = {}): Promise<void> {
  const tables = sqlServerOpsTables(options.schema);
  const [row] = (await runSqlServerOps(db, FIND_OPS_TABLES, tables)) as readonly ({ nodes: unknown; intents: unknown; log: unknown } | undefined)[];
  if (row === undefined || row.nodes === null || row.intents === null || row.log === null) {
    throw new OpsError(
      'SCHEMA_MISSING',
      `the ops tables (${tables.nodes}, ${tables.intents}, ${tables.log}) do not exist in this database; create them with ensureSqlServerOpsSchema()`,
    );
  }
}

/** The SQL Server error number of an mssql error (`number`, or its tedious `originalError`). */
function sqlServerErrorNumber(error: unknown): number | undefined {
  const read = (value: unknown): number | undefined => {
    const number = (value as { number?: unknown } | null | undefined)?.number;
    return typeof number === 'number' ? number : undefined;
  };
  const original = (error as { originalError?: unknown } | null | undefined)?.originalError;
  return read(error) ?? read(original) ?? read((original as { info?: unknown } | null | undefined)?.info);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
