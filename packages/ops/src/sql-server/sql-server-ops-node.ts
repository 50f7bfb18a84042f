import { hostname } from 'node:os';
import { systemClock, toLogger, type Clock, type Logger } from '@polecat/app-lock';
import type { CoordinatorStatus, OwnershipIntentReadContext, OwnershipIntentSource, OwnershipIntents } from '@polecat/coordinator';
import { assertNodeId } from '../internal/identifiers';
import { opsNodeIntervals, type OpsNodeOptions } from '../ops-node-options';
import { knownSetRecords, ownedSetRecords, type KnownSetRecord } from '../node-record';
import { OpsError } from '../ops-error';
import type { SqlServerQueryable } from '../sql-server-cluster-snapshot';
import { ensureSqlServerOpsSchema, runSqlServerOps, type SqlServerOpsSchemaOptions } from './sql-server-ops-schema';
import { READ_INTENTS, REGISTER_NODE, sqlServerOpsTables, type SqlServerOpsTables } from './sql-server-ops-statements';

/** Options of {@link SqlServerOpsNode}. */
export interface SqlServerOpsNodeOptions extends SqlServerOpsSchemaOptions, OpsNodeOptions {
  /** An `mssql.ConnectionPool` (connected) on the database holding the ops tables (normally the lock database). */
  readonly pool: SqlServerQueryable;
}

interface IntentRow {
  readonly kind: string;
  readonly target: string;
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
  readonly #options: SqlServerOpsNodeOptions;
  readonly #tables: SqlServerOpsTables;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #refreshMs: number;
  readonly #registryIntervalMs: number;
  readonly #startedAt = new Date();
  #schema: Promise<void> | undefined;
  #intents: OwnershipIntents | undefined;
  #readAt = 0;
  #writtenAt: number | undefined;
  #known: readonly KnownSetRecord[] = [];
  #status: (() => Pick<CoordinatorStatus, 'owned'>) | undefined;
  #disposed = false;

  constructor(options: SqlServerOpsNodeOptions) {
    assertNodeId(options?.nodeId);
    if (typeof options.pool?.request !== 'function') throw new OpsError('INVALID_ARGUMENT', 'pool must be an mssql ConnectionPool (anything with request())');
    this.nodeId = options.nodeId;
    this.#tables = sqlServerOpsTables(options.schema);
    this.#options = options;
    ({ refreshMs: this.#refreshMs, registryIntervalMs: this.#registryIntervalMs } = opsNodeIntervals(options));
    this.#logger = toLogger(options.logger);
    this.#clock = options.clock ?? systemClock;
  }

  /** Reports `coordinator.status()` owned sets in the registry (call once the coordinator exists). Returns `this`. */
  attach(coordinator: { status(): Pick<CoordinatorStatus, 'owned'> }): this {
    this.#status = () => coordinator.status();
    return this;
  }

  /** {@link OwnershipIntentSource.read}: the intents in force for this node; also keeps the registry entry fresh. */
  async read(context: OwnershipIntentReadContext): Promise<OwnershipIntents> {
    if (this.#disposed) throw new OpsError('INVALID_ARGUMENT', 'SqlServerOpsNode was disposed');
    this.#known = knownSetRecords(context.distribution);
    await this.#ensureSchema();
    const now = this.#clock.now();
    if (this.#writtenAt === undefined || now - this.#writtenAt >= this.#registryIntervalMs) {
      this.#writtenAt = now;
      await this.#register().catch((error: unknown) => this.#logger.warn('registry write failed', { error }));
    }
    if (this.#intents === undefined || now - this.#readAt >= this.#refreshMs) {
      this.#intents = intentsFor(this.nodeId, (await runSqlServerOps(this.#options.pool, READ_INTENTS, this.#tables)) as readonly IntentRow[]);
      this.#readAt = now;
    }
    return this.#intents;
  }

  #ensureSchema(): Promise<void> {
    if (this.#options.createSchema === false) return Promise.resolve();
    this.#schema ??= ensureSqlServerOpsSchema(this.#options.pool, this.#options).catch((error: unknown) => {
      this.#schema = undefined;
      throw error;
    });
    return this.#schema;
  }

  async #register(): Promise<void> {
    const owned = this.#status === undefined ? [] : ownedSetRecords(this.#status());
    await runSqlServerOps(this.#options.pool, REGISTER_NODE, this.#tables, {
      nodeId: this.nodeId,
      host: this.#options.host ?? hostname(),
      pid: this.#options.pid ?? process.pid,
      version: this.#options.version ?? 'unknown',
      startedAt: this.#startedAt,
      sets: JSON.stringify(this.#known),
      owned: JSON.stringify(owned),
    });
  }

  /** Writes a last registry entry (owning nothing). The pool is yours to close. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#writtenAt === undefined) return;
    this.#status = () => ({ owned: [] });
    await this.#register().catch((error: unknown) => this.#logger.debug('final registry write failed', { error }));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/** The intents in force for `nodeId`: every paused target, and whether a drain names this node. */
export function intentsFor(nodeId: string, rows: readonly IntentRow[]): OwnershipIntents {
  const paused = new Set<string>();
  let draining = false;
  for (const row of rows) {
    if (row.kind === 'pause') paused.add(row.target);
    else if (row.kind === 'drain' && row.target === nodeId) draining = true;
  }
  return { paused, draining };
}
