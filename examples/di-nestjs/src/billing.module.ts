// A second feature module adding a shard to the SAME store: a @Shard class listed in the module's
// own providers is discovered as well (no forFeature needed).
import type { AgentContext } from '@polecat/coordinator';
import { Shard, type ShardHandler } from '@polecat/di-adapters/nestjs';
import { Inject, Injectable, Module } from '@nestjs/common';
import type { Queryable } from './backend';
import { POOL } from './database.module';
import { runBatches } from './run-batches';

@Shard('Invoice')
@Injectable()
export class InvoiceShard implements ShardHandler {
  constructor(@Inject(POOL) private readonly pool: Queryable) {}
  run(context: AgentContext): Promise<void> {
    return runBatches('Invoice', this.pool, context);
  }
}

@Module({ providers: [InvoiceShard] })
export class BillingModule {}
