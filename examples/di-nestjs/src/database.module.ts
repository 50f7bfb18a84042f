// A global module providing the pool the shards inject. It closes the pool in onApplicationShutdown,
// which Nest runs AFTER every beforeApplicationShutdown hook, where PolecatModule drains the
// coordinators: the agents' last batch still has its pool. (Closing it in onModuleDestroy would
// end it BEFORE the drain.) It also checks that no advisory lock is left.
import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Backend, Queryable } from './backend';

export const POOL = 'POOL';
export const BACKEND = 'BACKEND';

@Injectable()
class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(BACKEND) private readonly backend: Backend) {}

  async onApplicationShutdown(signal?: string): Promise<void> {
    const left = await this.backend.locksLeft();
    console.log(`shutdown (${signal ?? 'close'}): coordinators drained; advisory locks left: ${left}`);
    await this.backend.pool.end();
    if (left !== 0) throw new Error(`${left} lock(s) still held after the drain`); // Nest then exits 1
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(backend: Backend) {
    return {
      module: DatabaseModule,
      providers: [{ provide: BACKEND, useValue: backend }, { provide: POOL, useValue: backend.pool satisfies Queryable }, PoolCloser],
      exports: [POOL],
    };
  }
}
