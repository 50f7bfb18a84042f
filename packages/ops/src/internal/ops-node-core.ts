import { hostname } from 'node:os';
import { systemClock, toLogger, type Clock, type Logger } from '@polecat/app-lock';
import type { CoordinatorStatus, OwnershipIntentReadContext, OwnershipIntents } from '@polecat/coordinator';
import { knownSetRecords, ownedSetRecords, type KnownSetRecord } from '../node-record';
import { OpsError } from '../ops-error';
import { opsNodeIntervals, type OpsNodeOptions } from '../ops-node-options';

/** One row of the intents table as a node reads it. */
export interface IntentRow {
  readonly kind: string;
  readonly target: string;
}

/** One registry entry, as every backend writes it (`sets` and `owned` as JSON text). */
export interface RegistryEntry {
  readonly nodeId: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly startedAt: Date;
  readonly sets: string;
  readonly owned: string;
}

/** What differs per backend: its connection and its two statements. */
export interface OpsNodeStatements<Connection> {
  /** The class name, for the "was disposed" error. */
  readonly name: string;
  /** The connection to run the statements on (opened and the schema ensured on first use). */
  readonly connect: () => Promise<Connection>;
  readonly readIntents: (connection: Connection) => Promise<readonly IntentRow[]>;
  readonly register: (connection: Connection, entry: RegistryEntry) => Promise<void>;
  /** Whether an intent change was announced since the last call (PostgreSQL's NOTIFY); none: only `refreshMs`. */
  readonly takeChanged?: () => boolean;
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

/**
 * The node loop both ops nodes share (`PostgresOpsNode`, `SqlServerOpsNode`): intents re-read at
 * most every `refreshMs` (at once after an announced change), the registry entry written at most
 * every `registryIntervalMs` (a failed write is logged, never thrown), owned sets from the attached
 * coordinator, and a last entry owning nothing at dispose. The backend brings its statements.
 */
export class OpsNodeCore<Connection> {
  readonly #nodeId: string;
  readonly #options: OpsNodeOptions;
  readonly #statements: OpsNodeStatements<Connection>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #refreshMs: number;
  readonly #registryIntervalMs: number;
  readonly #startedAt = new Date();
  #intents: OwnershipIntents | undefined;
  #readAt = 0;
  #writtenAt: number | undefined;
  #known: readonly KnownSetRecord[] = [];
  #status: (() => Pick<CoordinatorStatus, 'owned'>) | undefined;
  #disposed = false;

  constructor(nodeId: string, options: OpsNodeOptions, statements: OpsNodeStatements<Connection>) {
    this.#nodeId = nodeId;
    this.#options = options;
    this.#statements = statements;
    ({ refreshMs: this.#refreshMs, registryIntervalMs: this.#registryIntervalMs } = opsNodeIntervals(options));
    this.#logger = toLogger(options.logger);
    this.#clock = options.clock ?? systemClock;
  }

  get logger(): Logger {
    return this.#logger;
  }

  /** Whether a registry entry was written (the node has run at least one cycle). */
  get written(): boolean {
    return this.#writtenAt !== undefined;
  }

  /** See the ops nodes' `attach`. */
  attach(coordinator: { status(): Pick<CoordinatorStatus, 'owned'> }): void {
    this.#status = () => coordinator.status();
  }

  /** See `OwnershipIntentSource.read`. */
  async read(context: OwnershipIntentReadContext): Promise<OwnershipIntents> {
    if (this.#disposed) throw new OpsError('INVALID_ARGUMENT', `${this.#statements.name} was disposed`);
    this.#known = knownSetRecords(context.distribution);
    const connection = await this.#statements.connect();
    const now = this.#clock.now();
    if (this.#writtenAt === undefined || now - this.#writtenAt >= this.#registryIntervalMs) {
      this.#writtenAt = now;
      await this.#register(connection).catch((error: unknown) => this.#logger.warn('registry write failed', { error }));
    }
    const changed = this.#statements.takeChanged?.() ?? false;
    if (this.#intents === undefined || changed || now - this.#readAt >= this.#refreshMs) {
      this.#intents = intentsFor(this.#nodeId, await this.#statements.readIntents(connection));
      this.#readAt = now;
    }
    return this.#intents;
  }

  /**
   * Writes a last registry entry (owning nothing) on the connection `last` gives (none: nothing to
   * write) and resolves with that connection, for the caller to close. Idempotent: `undefined` after the first call.
   */
  async dispose(last: () => Promise<Connection | undefined>): Promise<Connection | undefined> {
    if (this.#disposed) return undefined;
    this.#disposed = true;
    const connection = await last();
    if (connection === undefined) return undefined;
    this.#status = () => ({ owned: [] });
    await this.#register(connection).catch((error: unknown) => this.#logger.debug('final registry write failed', { error }));
    return connection;
  }

  #register(connection: Connection): Promise<void> {
    const owned = this.#status === undefined ? [] : ownedSetRecords(this.#status());
    return this.#statements.register(connection, {
      nodeId: this.#nodeId,
      host: this.#options.host ?? hostname(),
      pid: this.#options.pid ?? process.pid,
      version: this.#options.version ?? 'unknown',
      startedAt: this.#startedAt,
      sets: JSON.stringify(this.#known),
      owned: JSON.stringify(owned),
    });
  }
}
