import type { AgentContext } from '@polecat/coordinator';
import { DiscoveryService } from '@nestjs/core';

/** What `@Shard(...)` records on a provider class. */
export interface ShardMetadata {
  /** The shard name (`Trip`) or identity (`Trip:V2:All`). */
  readonly name: string;
  /** The store the shard belongs to. Default: the `forFeature` store that lists the class, else `'default'`. */
  readonly store?: string;
}

/**
 * A shard declared as a NestJS provider: an `@Injectable()` class with `@Shard('Trip')` whose
 * `run(context)` is the agent. Its dependencies are injected as for any provider; one instance
 * runs the shard whenever this node owns it.
 */
export interface ShardHandler {
  /** Runs the shard until `context.signal` aborts (lock lost or released, application closing). */
  run(context: AgentContext): Promise<void>;
}

const decorator = DiscoveryService.createDecorator<ShardMetadata>();

/** Options of {@link Shard}. */
export interface ShardOptions {
  /** The store the shard belongs to. Default: the `forFeature` store that lists the class, else `'default'`. */
  readonly store?: string;
}

/**
 * Declares an injectable class as the agent of one shard, discovered with Nest's `DiscoveryService`
 * (as `@Processor` in `@nestjs/bullmq`). Provide the class in any module, or with
 * `PolecatModule.forFeature({ shards: [TripShard] })`; the store's `PolecatModule.forRoot` runs it.
 * Default-scoped (singleton) providers only: a request-scoped or transient shard is refused at boot.
 * @example
 * ```ts
 * @Shard('Trip')
 * @Injectable()
 * export class TripShard implements ShardHandler {
 *   constructor(private readonly pool: Pool) {}
 *   async run({ signal }: AgentContext) { while (!signal.aborted) await projectTrips(this.pool, signal); }
 * }
 * ```
 */
export function Shard(name: string, options: ShardOptions = {}): ClassDecorator {
  return decorator({ name, ...(options.store === undefined ? {} : { store: options.store }) }) as ClassDecorator;
}

/** The metadata key Nest's discovery indexes shard providers by. */
export const SHARD_METADATA_KEY: string = decorator.KEY;

/** The `@Shard` metadata of a class, if any. */
export function shardMetadataOf(target: unknown): ShardMetadata | undefined {
  if (typeof target !== 'function') return undefined;
  return Reflect.getMetadata(decorator.KEY, target) as ShardMetadata | undefined;
}

/** The discoverable decorator itself (for `DiscoveryService.getMetadataByDecorator`). */
export const shardDecorator = decorator;
