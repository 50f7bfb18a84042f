import type { AnyMessage } from '@event-driven-io/emmett';
import type { Dumbo } from '@event-driven-io/dumbo';
import {
  postgreSQLProjector,
  postgreSQLReactor,
  type PostgreSQLProcessor,
  type PostgreSQLProcessorHandlerContext,
  type PostgreSQLProjectorOptions,
  type PostgreSQLReactorOptions,
} from '@event-driven-io/emmett-postgresql';
import { EmmettCoordinationError } from '../emmett-error';
import type { EmmettProcessor } from '../emmett-processor';

/** What a descriptor was made from (kept off the public object). */
export type ProcessorBuilder =
  | { readonly kind: 'projector'; readonly options: PostgreSQLProjectorOptions<AnyMessage & { kind?: 'Event' }> }
  | { readonly kind: 'reactor'; readonly options: PostgreSQLReactorOptions<AnyMessage> };

/** Everything one run of a processor needs. */
export interface ProcessorRun {
  readonly connectionString: string;
  /** The run's pool, shared by its consumer and its processor, closed by the run. */
  readonly pool: Dumbo;
  /** Asserts the run's fencing epoch inside the handler's transaction (once per transaction). */
  readonly fence: (context: PostgreSQLProcessorHandlerContext) => Promise<void>;
}

/**
 * Emmett's processor lock, neutralised: `timeoutSeconds: 0` makes a row left `running` by a dead
 * owner free at once (`last_updated < now() - 0 s`), so it adds nothing to our takeover; `fail`
 * surfaces a real conflict (another instance acquiring at the same instant) as an agent failure.
 */
export const EMMETT_LOCK_OPTIONS = Object.freeze({ timeoutSeconds: 0, acquisitionPolicy: Object.freeze({ type: 'fail' as const }) });

const builders = new WeakMap<EmmettProcessor, ProcessorBuilder>();

export function registerBuilder(descriptor: EmmettProcessor, builder: ProcessorBuilder): void {
  builders.set(descriptor, builder);
}

export function builderOf(descriptor: EmmettProcessor): ProcessorBuilder {
  const builder = builders.get(descriptor);
  if (builder === undefined) {
    throw new EmmettCoordinationError('INVALID_CONFIGURATION', 'processors must be made with emmettProjector(...) or emmettReactor(...)');
  }
  return builder;
}

/** `Trip:Summary` -> `Trip.Summary` (Polecat shard names have no `:`). */
export function toShardName(name: string): string {
  const shard = name.replaceAll(':', '.');
  if (shard === '') throw new EmmettCoordinationError('INVALID_CONFIGURATION', 'a shard name must not be empty');
  return shard;
}

/**
 * A fresh Emmett processor for one run: the handler asserts the fencing epoch (in the same
 * transaction as Emmett's checkpoint) before the user's code runs.
 */
export function buildProcessor(descriptor: EmmettProcessor, run: ProcessorRun): PostgreSQLProcessor<AnyMessage> {
  const builder = builderOf(descriptor);
  const connectionOptions = { connectionString: run.connectionString, dumbo: run.pool };
  if (builder.kind === 'projector') {
    const { projection } = builder.options;
    const handle = projection.handle;
    const fenced = {
      ...projection,
      handle: async (events: Parameters<typeof handle>[0], context: PostgreSQLProcessorHandlerContext) => {
        await run.fence(context);
        return handle(events, context);
      },
    };
    return postgreSQLProjector({
      ...builder.options,
      projection: fenced,
      connectionOptions,
      lock: EMMETT_LOCK_OPTIONS,
    }) as unknown as PostgreSQLProcessor<AnyMessage>;
  }
  const options = builder.options as PostgreSQLReactorOptions<AnyMessage> & { eachMessage: NonNullable<PostgreSQLReactorOptions<AnyMessage>['eachMessage']> };
  const eachMessage = options.eachMessage;
  return postgreSQLReactor<AnyMessage>({
    ...options,
    eachMessage: async (message, context) => {
      await run.fence(context);
      return eachMessage(message, context);
    },
    connectionOptions,
    lock: EMMETT_LOCK_OPTIONS,
  });
}
