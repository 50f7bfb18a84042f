import type { Event, Message } from '@event-driven-io/emmett';
import type { PostgreSQLProcessorEachMessageHandler, PostgreSQLProjectorOptions, PostgreSQLReactorOptions } from '@event-driven-io/emmett-postgresql';
import { EmmettCoordinationError } from './emmett-error';
import { registerBuilder, toShardName, type ProcessorBuilder } from './internal/processor-builders';

/**
 * Options of Emmett's processors that `@polecat/emmett` sets itself on every run:
 * - `connectionOptions`: the run's pool (so Emmett's own SIGTERM/SIGINT `close` has a connection);
 * - `lock`: `{ timeoutSeconds: 0, acquisitionPolicy: { type: 'fail' } }` (see the README: Emmett's row
 *   lease must not outlive our advisory lock);
 * - `processorInstanceId`: fresh per run (Emmett's default);
 * - `startFrom` and `truncateOnStart`: a run always resumes at Emmett's stored checkpoint; starting
 *   from the beginning or the end, or truncating, on every takeover would apply events twice or lose them.
 */
export type ManagedEmmettOption = 'connectionOptions' | 'lock' | 'processorInstanceId' | 'startFrom' | 'truncateOnStart';

/** Naming of the shard that runs one Emmett processor. */
export interface EmmettShardOption {
  /**
   * The Polecat shard name (no `:`). Default: the projection name (projector) or the
   * `processorId` (reactor), with every `:` replaced by `.`.
   */
  readonly shard?: string;
}

/** An Emmett projector as one shard: Emmett's `postgreSQLProjector` options minus {@link ManagedEmmettOption}. */
export type EmmettProjectorOptions<EventType extends Event = Event> = Omit<PostgreSQLProjectorOptions<EventType>, ManagedEmmettOption> & EmmettShardOption;

/**
 * An Emmett reactor as one shard: Emmett's `postgreSQLReactor` options minus {@link ManagedEmmettOption},
 * with `eachMessage` (Emmett 0.42's reactor ignores `eachBatch`: it would checkpoint messages without handling them).
 */
export type EmmettReactorOptions<MessageType extends Message = Message> = Omit<
  PostgreSQLReactorOptions<MessageType>,
  ManagedEmmettOption | 'eachMessage' | 'eachBatch'
> &
  EmmettShardOption & {
    readonly eachMessage: PostgreSQLProcessorEachMessageHandler<MessageType>;
  };

/**
 * One Emmett processor, described (not built): every time its shard starts on a node, a fresh
 * Emmett processor and consumer are built from it, so no in-memory checkpoint outlives a hand-over.
 * Make one with {@link emmettProjector} or {@link emmettReactor}.
 */
export interface EmmettProcessor {
  readonly kind: 'projector' | 'reactor';
  /** The Polecat shard name. */
  readonly shard: string;
  /** Emmett's processor id (the row in `emt_processors` holding its checkpoint). */
  readonly processorId: string;
}

/**
 * An Emmett projector (`postgreSQLProjector`) run as one shard.
 * @example emmettProjector({ projection: tripSummaries }) // shard 'trip_summaries' if that is the projection's name
 * @throws EmmettCoordinationError `INVALID_CONFIGURATION` without a projection name (and no `shard`), or with a managed option.
 */
export function emmettProjector<EventType extends Event = Event>(options: EmmettProjectorOptions<EventType>): EmmettProcessor {
  rejectManaged(options);
  const name = options.projection.name;
  if (options.shard === undefined && (name === undefined || name === '')) {
    throw new EmmettCoordinationError('INVALID_CONFIGURATION', 'emmettProjector needs a projection with a name, or a shard option');
  }
  const processorId = options.processorId ?? `emt:processor:projector:${name ?? options.shard!}`;
  const descriptor: EmmettProcessor = Object.freeze({ kind: 'projector', shard: toShardName(options.shard ?? name!), processorId });
  registerBuilder(descriptor, { kind: 'projector', options: options as unknown as Extract<ProcessorBuilder, { kind: 'projector' }>['options'] });
  return descriptor;
}

/**
 * An Emmett reactor (`postgreSQLReactor`) run as one shard.
 * @example emmettReactor({ processorId: 'notify-drivers', eachMessage: async (message, context) => { ... } })
 * @throws EmmettCoordinationError `INVALID_CONFIGURATION` without `processorId` or `eachMessage`, with `eachBatch`, or with a managed option.
 */
export function emmettReactor<MessageType extends Message = Message>(options: EmmettReactorOptions<MessageType>): EmmettProcessor {
  rejectManaged(options);
  if (typeof options.processorId !== 'string' || options.processorId === '') {
    throw new EmmettCoordinationError('INVALID_CONFIGURATION', 'emmettReactor needs a processorId');
  }
  if ('eachBatch' in options && (options as { eachBatch?: unknown }).eachBatch !== undefined) {
    throw new EmmettCoordinationError('INVALID_CONFIGURATION', "emmettReactor takes eachMessage: Emmett 0.42's PostgreSQL reactor ignores eachBatch");
  }
  if (typeof options.eachMessage !== 'function') {
    throw new EmmettCoordinationError('INVALID_CONFIGURATION', 'emmettReactor needs an eachMessage handler');
  }
  const descriptor: EmmettProcessor = Object.freeze({
    kind: 'reactor',
    shard: toShardName(options.shard ?? options.processorId),
    processorId: options.processorId,
  });
  registerBuilder(descriptor, { kind: 'reactor', options: options as unknown as Extract<ProcessorBuilder, { kind: 'reactor' }>['options'] });
  return descriptor;
}

const MANAGED: readonly ManagedEmmettOption[] = ['connectionOptions', 'lock', 'processorInstanceId', 'startFrom', 'truncateOnStart'];

function rejectManaged(options: object): void {
  for (const key of MANAGED) {
    if (key in options && (options as Record<string, unknown>)[key] !== undefined) {
      throw new EmmettCoordinationError('INVALID_CONFIGURATION', `option ${key} is set by @polecat/emmett on every run (see ManagedEmmettOption)`);
    }
  }
}
