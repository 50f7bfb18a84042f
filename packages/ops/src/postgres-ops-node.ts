import { ListenerSet } from '@polecat/kit';
import type { CoordinatorStatus, OwnershipIntentReadContext, OwnershipIntentSource, OwnershipIntents } from '@polecat/coordinator';
import { assertNodeId } from './internal/identifiers';
import { OpsNodeCore, type IntentRow, type RegistryEntry } from './internal/ops-node-core';
import { openPgClient, type PgClientLike } from './internal/pg-client';
import { OpsError } from './ops-error';
import type { OpsNodeOptions } from './ops-node-options';
import { OPS_NOTIFY_CHANNEL, ensureOpsSchema, opsTables, runQuery, type OpsSchemaOptions } from './ops-schema';

/** Prefix of the lock connections' `application_name`: `polecat:{nodeId}` names the node in `pg_stat_activity`. */
export const LOCK_APPLICATION_PREFIX = 'polecat:';

/** The `application_name` a node's lock connections must carry so the cluster view can name their holder. */
export function lockApplicationName(nodeId: string): string {
  assertNodeId(nodeId);
  return `${LOCK_APPLICATION_PREFIX}${nodeId}`;
}

/** Options of {@link PostgresOpsNode}. */
export interface PostgresOpsNodeOptions extends OpsSchemaOptions, OpsNodeOptions {
  /** `postgres://...` of the database holding the ops tables (normally the lock database). */
  readonly connection: string;
}

/**
 * One node's link to the ops tables (PostgreSQL): the coordinator's `ownershipIntents` source
 * (pause / drain intents, re-read at most every `refreshMs`, at once on a NOTIFY) and its registry
 * entry (id, host, pid, version, known sets, owned sets: at most one upsert per
 * `registryIntervalMs`). Uses ONE extra connection (`application_name` `polecat-ops:{nodeId}`),
 * opened on the first cycle. Give the lock connections {@link PostgresOpsNode.lockApplicationName}.
 * @example
 * const ops = new PostgresOpsNode({ connection: url, nodeId: 'web-1' });
 * const coordinator = await runShards({ connection: url, applicationName: ops.lockApplicationName, ownershipIntents: ops, shards });
 * ops.attach(coordinator);
 */
export class PostgresOpsNode implements OwnershipIntentSource, AsyncDisposable {
  readonly nodeId: string;
  /** `polecat:{nodeId}`: pass it as the lock's `applicationName`. */
  readonly lockApplicationName: string;
  readonly #options: PostgresOpsNodeOptions;
  readonly #tables: ReturnType<typeof opsTables>;
  readonly #core: OpsNodeCore<PgClientLike>;
  readonly #listeners = new ListenerSet((error) => this.#core.logger.error('an ownership-intent change listener threw', { error }));
  #client: Promise<PgClientLike> | undefined;
  #dirty = true;

  constructor(options: PostgresOpsNodeOptions) {
    this.lockApplicationName = lockApplicationName(options?.nodeId);
    this.nodeId = options.nodeId;
    if (typeof options.connection !== 'string' || options.connection.length === 0)
      throw new OpsError('INVALID_ARGUMENT', 'connection must be a postgres:// connection string');
    this.#tables = opsTables(options);
    this.#options = options;
    this.#core = new OpsNodeCore(options.nodeId, options, {
      name: 'PostgresOpsNode',
      connect: () => this.#connect(),
      readIntents: async (client) => (await runQuery(client, `SELECT kind, target FROM ${this.#tables.intents}`)).rows as readonly IntentRow[],
      register: (client, entry) => this.#register(client, entry),
      takeChanged: () => {
        const dirty = this.#dirty;
        this.#dirty = false;
        return dirty;
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

  /** {@link OwnershipIntentSource.onChange}: called on every intent NOTIFY. */
  onChange(listener: () => void): () => void {
    return this.#listeners.add(listener);
  }

  #connect(): Promise<PgClientLike> {
    this.#client ??= (async () => {
      const client = await openPgClient(this.#options.connection, `polecat-ops:${this.nodeId}`);
      try {
        if (this.#options.createSchema !== false) await ensureOpsSchema(client, this.#options);
        client.on('notification', (message) => {
          if (message.channel !== OPS_NOTIFY_CHANNEL) return;
          this.#dirty = true;
          this.#listeners.emit();
        });
        const drop = (): void => {
          // connection gone: reconnect on the next read (the intents read before stay in force meanwhile)
          if (this.#client === opened) this.#client = undefined;
          this.#dirty = true;
        };
        client.on('error', drop);
        client.on('end', drop);
        await runQuery(client, `LISTEN ${OPS_NOTIFY_CHANNEL}`);
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return client;
    })();
    const opened = this.#client;
    opened.catch(() => {
      if (this.#client === opened) this.#client = undefined;
    });
    return opened;
  }

  async #register(client: PgClientLike, entry: RegistryEntry): Promise<void> {
    await runQuery(
      client,
      `INSERT INTO ${this.#tables.nodes} (node_id, host, pid, version, started_at, seen_at, sets, owned)
       VALUES ($1, $2, $3, $4, $5, now(), $6::jsonb, $7::jsonb)
       ON CONFLICT (node_id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, version = EXCLUDED.version,
         started_at = EXCLUDED.started_at, seen_at = EXCLUDED.seen_at, sets = EXCLUDED.sets, owned = EXCLUDED.owned`,
      [entry.nodeId, entry.host, entry.pid, entry.version, entry.startedAt.toISOString(), entry.sets, entry.owned],
    );
  }

  /** Writes a last registry entry (owning nothing) and closes the connection. Idempotent. */
  async dispose(): Promise<void> {
    const pending = this.#client;
    const client = await this.#core.dispose(async () => {
      this.#client = undefined;
      return pending?.catch(() => undefined);
    });
    await client?.end().catch(() => undefined);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
