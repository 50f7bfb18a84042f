import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import {
  DiAdapterError,
  FencingEpochSource,
  PostgresEpochStore,
  isPostgresConnectionString,
  runShards,
  toLogger,
  type AgentFunction,
  type PostgresFencingTable,
  type ProjectionCoordinator,
  type RunShardsOptions,
} from '@polecat/polecat';
import pg from 'pg';
import { emmettAgent, type EmmettPullingOptions } from './emmett-agent';
import { EmmettCoordinationError } from './emmett-error';
import type { EmmettProcessor } from './emmett-processor';
import { builderOf } from './internal/processor-builders';

/**
 * Options of {@link runEmmettProcessors}: the Emmett event store, its processors, and any
 * coordinator option of `runShards` (`settings`, `logger`, `clock`, `applicationName`, `policy`, ...).
 */
export interface RunEmmettProcessorsOptions extends Omit<
  RunShardsOptions,
  'connection' | 'shards' | 'epochs' | 'daemonFor' | 'distributor' | 'createLock' | 'createHomeLock' | 'databases' | 'lockHost' | 'lockHome' | 'mode'
> {
  /**
   * The Emmett event store's PostgreSQL connection string (`postgres://...`). The advisory locks,
   * the fencing epochs and Emmett's checkpoints all live in this database.
   */
  readonly connectionString: string;
  /** One shard per processor ({@link emmettProjector}, {@link emmettReactor}). */
  readonly processors: readonly EmmettProcessor[];
  /** Emmett's polling of the message table, for every processor. */
  readonly pulling?: EmmettPullingOptions;
  /** Where the fencing epochs live. Default `public.polecat_fencing_epochs` (created on first use). */
  readonly fencingTable?: PostgresFencingTable;
  /** Run Emmett's schema migration before starting (Emmett's consumers need its tables and functions). Default `true`. */
  readonly migrateSchema?: boolean;
}

/** The running coordination of Emmett processors returned by {@link runEmmettProcessors}. */
export interface EmmettProcessors extends AsyncDisposable {
  /** The started coordinator (status, events, `whenOwned`). */
  readonly coordinator: ProjectionCoordinator;
  /** The epoch source the coordinator bumps on every grant. */
  readonly fencing: FencingEpochSource;
  readonly processors: readonly EmmettProcessor[];
  /** Stops every consumer (in-flight batches finish), releases the locks, closes the epoch pool. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Run Emmett processors across every node that calls this with the same event store: each
 * processor is one shard, run by exactly one node at a time in an Emmett consumer holding just
 * that processor; when the node stops or dies, another node resumes from Emmett's checkpoint.
 * Every batch asserts the grant's fencing epoch in its own transaction, so a stale owner's batch
 * is rolled back. Resolves once the coordinator started.
 * @example
 * await using emmett = await runEmmettProcessors({
 *   connectionString: process.env.DATABASE_URL!,
 *   processors: [emmettProjector({ projection: tripSummaries }), emmettReactor({ processorId: 'notify', eachMessage })],
 *   settings: { leadershipPollingTimeMs: 1000 },
 * });
 * @throws EmmettCoordinationError `INVALID_CONFIGURATION` for no processors, duplicate shards or a non-PostgreSQL connection string.
 */
export async function runEmmettProcessors(options: RunEmmettProcessorsOptions): Promise<EmmettProcessors> {
  const { connectionString, processors, pulling, fencingTable, migrateSchema = true, ...rest } = options;
  if (typeof connectionString !== 'string' || !isPostgresConnectionString(connectionString)) {
    throw new EmmettCoordinationError('INVALID_CONFIGURATION', 'connectionString must be a PostgreSQL URL (postgres://...): Emmett runs on PostgreSQL');
  }
  if (!Array.isArray(processors) || processors.length === 0) {
    throw new EmmettCoordinationError('INVALID_CONFIGURATION', 'runEmmettProcessors needs at least one processor');
  }
  const shards = new Map<string, EmmettProcessor>();
  for (const processor of processors) {
    builderOf(processor);
    if (shards.has(processor.shard)) throw new EmmettCoordinationError('INVALID_CONFIGURATION', `two processors map to shard ${processor.shard}`);
    shards.set(processor.shard, processor);
  }
  if (migrateSchema) {
    const store = getPostgreSQLEventStore(connectionString, { schema: { autoMigration: 'None' } });
    try {
      await store.schema.migrate();
    } finally {
      await store.close();
    }
  }
  const logger = toLogger(rest.logger);
  // `application_name` in the connection string wins over this default.
  const epochPool = new pg.Pool({ connectionString, max: 2, application_name: `${rest.applicationName ?? 'polecat'}-epochs` });
  epochPool.on('error', (error) => logger.warn('fencing epoch pool: idle connection failed', { error }));
  const fencing = new FencingEpochSource({ store: new PostgresEpochStore(epochPool, fencingTable ?? {}) });
  const agents: Record<string, AgentFunction> = {};
  for (const [shard, processor] of shards) {
    agents[shard] = emmettAgent(processor, {
      connectionString,
      fencingKeyFor: (database, shardName) => fencing.keyFor(database, shardName),
      ...(fencingTable === undefined ? {} : { fencingTable }),
      ...(pulling === undefined ? {} : { pulling }),
      logger,
    });
  }
  let coordinator: ProjectionCoordinator;
  try {
    coordinator = await runShards({ ...rest, connection: connectionString, shards: agents, epochs: fencing });
  } catch (error) {
    await epochPool.end().catch(() => undefined);
    if (DiAdapterError.is(error)) throw new EmmettCoordinationError('INVALID_CONFIGURATION', error.message, { cause: error });
    throw error;
  }
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      try {
        await coordinator.stop();
      } finally {
        await epochPool.end().catch(() => undefined);
      }
    })());
  return Object.freeze({ coordinator, fencing, processors: Object.freeze([...processors]), stop, [Symbol.asyncDispose]: stop });
}
