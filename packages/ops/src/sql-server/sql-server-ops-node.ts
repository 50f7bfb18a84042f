import type { CoordinatorStatus, OwnershipIntentReadContext, OwnershipIntentSource, OwnershipIntents } from '@polecat/coordinator';
import { assertNodeId } from '../internal/identifiers';
import { OpsNodeCore, type IntentRow } from '../internal/ops-node-core';
import type { OpsNodeOptions } from '../ops-node-options';
import { OpsError } from '../ops-error';
import type { SqlServerQueryable } from '../sql-server-cluster-snapshot';
import { ensureSqlServerOpsSchema, runSqlServerOps, type SqlServerOpsSchemaOptions } from './sql-server-ops-schema';
import { READ_INTENTS, REGISTER_NODE, sqlServerOpsTables } from './sql-server-ops-statements';

export { intentsFor } from '../internal/ops-node-core';

/** Options of {@link SqlServerOpsNode}. */
export interface SqlServerOpsNodeOptions extends SqlServerOpsSchemaOptions, OpsNodeOptions {
  /** An `mssql.ConnectionPool` (connected) on the database holding the ops tables (normally the lock database). */
  readonly pool: SqlServerQueryable;
}

/**
 * One node's link to the SQL Server ops tables: the coordinator's `ownershipIntents` source and its
 * registry entry, with the semantics of `PostgresOpsNode`. SQL Server has no NOTIFY, so a node
 * learns of a new intent by the read at the start of its cycles, at most every `refreshMs`
 * (default 1 s): a pause or drain takes effect within `refreshMs` plus one cycle
 * (`leadershipPollingTimeMs` when the node is idle). One query per `refreshMs` per node
 * (`SELECT` of the intents, a handful of rows) and one upsert per `registryIntervalMs`.
 * @example
 * const ops = new SqlServerOpsNode({ pool, nodeId: 'web-1' });
 * const coordinator = await runShards({ connection, ownershipIntents: ops, shards });
 * ops.attach(coordinator);
 */
export class SqlServerOpsNode implements OwnershipIntentSource, AsyncDisposable {
  readonly nodeId: string;
  readonly #core: OpsNodeCore<SqlServerQueryable>;
  readonly #pool: SqlServerQueryable;

  constructor(options: SqlServerOpsNodeOptions) {
    assertNodeId(options?.nodeId);
    if (typeof options.pool?.request !== 'function') throw new OpsError('INVALID_ARGUMENT', 'pool must be an mssql ConnectionPool (anything with request())');
    this.nodeId = options.nodeId;
    const tables = sqlServerOpsTables(options.schema);
    const { pool } = options;
    this.#pool = pool;
    let schema: Promise<void> | undefined;
    const ensureSchema = (): Promise<void> =>
      (schema ??= ensureSqlServerOpsSchema(pool, options).catch((error: unknown) => {
        schema = undefined;
        throw error;
      }));
    this.#core = new OpsNodeCore(options.nodeId, options, {
      name: 'SqlServerOpsNode',
      connect: async () => {
        if (options.createSchema !== false) await ensureSchema();
        return pool;
      },
      readIntents: async (db) => (await runSqlServerOps(db, READ_INTENTS, tables)) as readonly IntentRow[],
      register: async (db, entry) => {
        await runSqlServerOps(db, REGISTER_NODE, tables, { ...entry });
      },
    });
  }

  /** Reports `coordinator.status()` owned sets in the registry (call once the coordinator exists). Returns `this`. */
  attach(coordinator: { status(): Pick<CoordinatorStatus, 'owned'> }): this {
    this.#core.attach(coordinator);
    return this;
  }

  /** {@link OwnershipIntentSource.read}: the intents in force for this node; also keeps the registry entry fresh. */
  read(context: OwnershipIntentReadContext): Promise<OwnershipIntents> {
    return this.#core.read(context);
  }

  /** Writes a last registry entry (owning nothing). The pool is yours to close. Idempotent. */
  async dispose(): Promise<void> {
    await this.#core.dispose(async () => (this.#core.written ? this.#pool : undefined));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
