// A feature module: two shards of the default store, declared as providers with @Shard and added
// with PolecatModule.forFeature. Their pool comes from the global DatabaseModule.
import type { AgentContext } from '@polecat/coordinator';
import { PolecatModule, Shard, type ShardHandler } from '@polecat/di-adapters/nestjs';
import { Inject, Injectable, Module } from '@nestjs/common';
import type { Queryable } from './backend';
import { POOL } from './database.module';
import { runBatches } from './run-batches';

@Shard('Trip')
@Injectable()
export class TripShard implements ShardHandler {
  constructor(@Inject(POOL) private readonly pool: Queryable) {}
  run(context: AgentContext): Promise<void> {
    return runBatches('Trip', this.pool, context);
  }
}

@Shard('Day')
@Injectable()
export class DayShard implements ShardHandler {
  constructor(@Inject(POOL) private readonly pool: Queryable) {}
  run(context: AgentContext): Promise<void> {
    return runBatches('Day', this.pool, context);
  }
}

@Module({ imports: [PolecatModule.forFeature({ shards: [TripShard, DayShard] })] })
export class TripsModule {}
