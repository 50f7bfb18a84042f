import { dumbo } from '@event-driven-io/dumbo';
import { postgreSQLEventStoreConsumer, type PostgreSQLProcessorHandlerContext } from '@event-driven-io/emmett-postgresql';
import {
  StaleEpochError,
  assertEpochCurrent,
  silentLogger,
  type AgentContext,
  type AgentFunction,
  type Logger,
  type PostgresFencingTable,
} from '@polecat/polecat';
import { EmmettCoordinationError } from './emmett-error';
import type { EmmettProcessor } from './emmett-processor';
import { observeProcessor, type RunFailure } from './internal/observed-processor';
import { buildProcessor } from './internal/processor-builders';

/** While no batch is in flight, the agent reports progress this often (an idle consumer is not stalled). */
const IDLE_PROGRESS_MS = 500;

/** How the consumer of a shard polls Emmett's message table (Emmett's `pulling` options). */
export interface EmmettPullingOptions {
  /** Messages per batch (one transaction per batch). Default Emmett's, 100. */
  readonly batchSize?: number;
  /** Wait between batches while messages are left. Default Emmett's, 50 ms (idle: 100 ms doubling to 1 s). */
  readonly pullingFrequencyInMs?: number;
}

/** Options of {@link emmettAgent}. */
export interface EmmettAgentOptions {
  /** The Emmett event store's PostgreSQL connection string (the fencing epochs live in the same database). */
  readonly connectionString: string;
  /** The fencing key of a shard (`FencingEpochSource.keyFor`). */
  readonly fencingKeyFor: (database: AgentContext['database'], shard: AgentContext['shard']) => string | undefined;
  /** The epoch table (default `public.polecat_fencing_epochs`, as `PostgresEpochStore`). */
  readonly fencingTable?: PostgresFencingTable;
  readonly pulling?: EmmettPullingOptions;
  /** Default silent. */
  readonly logger?: Logger;
}

/**
 * The agent of one Emmett processor's shard: builds a fresh processor and an Emmett consumer
 * holding only it, runs it until the signal aborts, then stops the consumer and resolves only once
 * the consumer has really stopped (its in-flight batch committed or rolled back, its processor
 * closed, its pool closed). It reports `progress(position)` after every batch and every 500 ms
 * while no batch is in flight, so `stallTimeoutMs` flags only a batch that hangs. Every batch transaction first asserts the grant's fencing epoch
 * (`SELECT ... FOR SHARE`), so a stale owner's batch is rolled back with `StaleEpochError`, which
 * escapes the agent so the coordinator hands the shard over.
 * @throws EmmettCoordinationError `MISSING_EPOCH` when the coordinator gave no epoch or key;
 *   `CONSUMER_FAILED` when the processor or consumer failed (cause attached); `StaleEpochError` as is.
 */
export function emmettAgent(processor: EmmettProcessor, options: EmmettAgentOptions): AgentFunction {
  const logger = options.logger ?? silentLogger;
  return async ({ signal, shard, database, epoch, progress }) => {
    if (signal.aborted) return;
    const key = options.fencingKeyFor(database, shard);
    if (key === undefined || epoch === undefined) {
      throw new EmmettCoordinationError(
        'MISSING_EPOCH',
        `shard ${shard.identity} started without a fencing epoch (build the coordinator with runEmmettProcessors)`,
      );
    }
    const fencedTransactions = new WeakSet<object>();
    const fence = async (context: PostgreSQLProcessorHandlerContext): Promise<void> => {
      const transaction = context.connection.transaction as object;
      if (fencedTransactions.has(transaction)) return;
      await assertEpochCurrent(context.connection.client, key, epoch, options.fencingTable);
      fencedTransactions.add(transaction);
    };
    const pool = dumbo({ connectionString: options.connectionString });
    const failure: RunFailure = { error: undefined, failed: false };
    // Progress for stall detection: after every batch (with its last position), and while no batch
    // is in flight (an idle consumer is not stalled); a batch stuck in flight reports nothing.
    let inFlight = 0;
    const batches = {
      started: () => void inFlight++,
      ended: (position: bigint | undefined) => {
        inFlight--;
        progress(position);
      },
    };
    const observed = observeProcessor(buildProcessor(processor, { connectionString: options.connectionString, pool, fence }), failure, batches);
    const consumer = postgreSQLEventStoreConsumer({
      connectionString: options.connectionString,
      pool,
      processors: [observed],
      ...(options.pulling === undefined ? {} : { pulling: options.pulling }),
    });
    let stopping: Promise<void> | undefined;
    const onAbort = (): void => {
      stopping ??= consumer.stop(); // waits for the in-flight batch, then closes the processor
    };
    signal.addEventListener('abort', onAbort, { once: true });
    logger.debug('emmett consumer starting', { shard: shard.identity, processorId: processor.processorId, epoch: String(epoch) });
    const idle = setInterval(() => {
      if (inFlight === 0) progress();
    }, IDLE_PROGRESS_MS);
    idle.unref();
    let startError: unknown;
    let startFailed = false;
    try {
      await consumer.start(); // resolves when the consumer stopped (abort, a STOP result, or a failed batch)
    } catch (error) {
      startFailed = true;
      startError = error;
    } finally {
      clearInterval(idle);
      signal.removeEventListener('abort', onAbort);
      await (stopping ?? consumer.stop()).catch((error: unknown) => {
        if (!startFailed) logger.warn('emmett consumer stop failed', { shard: shard.identity, error });
      });
      // A failed start skips Emmett's close (lock row, SIGTERM listeners): close the processor here.
      if (startFailed) await observed.close({}).catch(() => undefined);
      await pool.close().catch((error: unknown) => logger.warn('emmett pool close failed', { shard: shard.identity, error }));
    }
    logger.debug('emmett consumer stopped', { shard: shard.identity, processorId: processor.processorId });
    const error = failure.failed ? failure.error : startFailed ? startError : undefined;
    if (!failure.failed && !startFailed) return;
    if (StaleEpochError.isStale(error)) throw error;
    throw new EmmettCoordinationError('CONSUMER_FAILED', `Emmett processor ${processor.processorId} failed on shard ${shard.identity}`, { cause: error });
  };
}
