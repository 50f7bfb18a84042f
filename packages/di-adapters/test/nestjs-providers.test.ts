import 'reflect-metadata';
import { InMemoryLockServer } from '@polecat/app-lock';
import type { AgentContext, ProjectionCoordinator } from '@polecat/coordinator';
import { Inject, Injectable, Logger, Module, Scope, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DiAdapterError, asyncDaemon, projectionCoordinator } from '../src/index';
import { InjectCoordinator, PolecatModule, Shard, type PolecatModuleOptions, type PolecatOptionsFactory, type ShardHandler } from '../src/nestjs/index';
import { FAST, lockIdsOf, randomLockBase } from './helpers';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A stand-in for a pg pool, provided by a DatabaseModule and injected into shard providers. */
class Pool {
  readonly queries: string[] = [];
  async query(text: string): Promise<void> {
    this.queries.push(text);
  }
}
const POOL = 'POOL';

function shardClass(name: string, options: { store?: string; running?: Set<string> } = {}): Type<ShardHandler> {
  class GeneratedShard implements ShardHandler {
    readonly #pool: Pool;
    constructor(pool: Pool) {
      this.#pool = pool;
    }
    async run({ signal, shard }: AgentContext): Promise<void> {
      options.running?.add(name);
      await this.#pool.query(`project ${shard.identity}`);
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      options.running?.delete(name);
    }
  }
  Object.defineProperty(GeneratedShard, 'name', { value: `${name}Shard` });
  Shard(name, options.store === undefined ? {} : { store: options.store })(GeneratedShard);
  Injectable()(GeneratedShard);
  Inject(POOL)(GeneratedShard, undefined, 0);
  return GeneratedShard;
}

function databaseModule(pool: Pool): Type<unknown> {
  class DatabaseModule {}
  Module({ providers: [{ provide: POOL, useValue: pool }], exports: [POOL] })(DatabaseModule);
  return DatabaseModule;
}

function feature(name: string, imports: Type<unknown>[], shards: Type<unknown>[], store?: string): Type<unknown> {
  class FeatureModule {}
  Object.defineProperty(FeatureModule, 'name', { value: name });
  Module({ imports: [PolecatModule.forFeature({ shards, imports, ...(store === undefined ? {} : { store }) })] })(FeatureModule);
  return FeatureModule;
}

function appModule(imports: unknown[], providers: Type<unknown>[] = []): Type<unknown> {
  class AppModule {}
  Module({ imports: imports as Type<unknown>[], providers })(AppModule);
  return AppModule;
}

async function bootError(module: Type<unknown>): Promise<unknown> {
  return NestFactory.createApplicationContext(module, { logger: false, abortOnError: false }).then(
    async (app) => {
      await app.close();
      return undefined;
    },
    (error: unknown) => error,
  );
}

describe('PolecatModule: @Shard providers, forFeature, one coordinator per store', () => {
  it('runs @Shard providers from two feature modules of one store, with their dependencies injected; close releases every lock', async () => {
    const server = new InMemoryLockServer();
    const base = randomLockBase();
    const pool = new Pool();
    const running = new Set<string>();
    const Database = databaseModule(pool);
    const Trips = feature('TripsModule', [Database], [shardClass('Trip', { running })]);
    const Billing = feature('BillingModule', [Database], [shardClass('Invoice', { running }), shardClass('Refund', { running })]);

    class Reporter {
      readonly coordinator: ProjectionCoordinator;
      constructor(coordinator: ProjectionCoordinator) {
        this.coordinator = coordinator;
      }
    }
    Injectable()(Reporter);
    InjectCoordinator()(Reporter, undefined, 0);

    const App = appModule(
      [
        PolecatModule.forRoot({
          coordinators: projectionCoordinator('HotCold', {
            createLock: () => server.createLock({ owner: 'nest' }),
            settings: { ...FAST, daemonLockId: base },
            random: () => 0,
          }),
          isGlobal: true,
          logger: new Logger('PolecatTest'), // Nest's own Logger is accepted
        }),
        Trips,
        Billing,
      ],
      [Reporter],
    );
    const app = await NestFactory.createApplicationContext(App, { logger: false, abortOnError: false });
    closers.push(() => app.close());
    const { coordinator } = app.get(Reporter);
    await coordinator.whenOwned(3, { timeoutMs: 5000 });
    expect([...running].sort()).toEqual(['Invoice', 'Refund', 'Trip']);
    expect([...pool.queries].sort()).toEqual(['project Invoice:All', 'project Refund:All', 'project Trip:All']);
    const ids = lockIdsOf(['Trip', 'Invoice', 'Refund'], base);
    for (const id of ids) expect(server.holderOf(id)).toBe('nest');
    await app.close();
    expect(running.size).toBe(0);
    for (const id of ids) expect(server.holderOf(id)).toBeUndefined();
    expect(server.openSessions).toBe(0);
  });

  it('a second forRoot for the same store is refused at boot: HotCold + async daemon is CONFLICTING_REGISTRATION, the same mode twice DUPLICATE_REGISTRATION', async () => {
    const server = new InMemoryLockServer();
    const hotCold = () =>
      PolecatModule.forRoot({
        coordinators: projectionCoordinator('HotCold', { shards: { Trip: async () => {} }, createLock: () => server.createLock(), settings: FAST }),
      });
    const daemon = () => PolecatModule.forRoot({ coordinators: asyncDaemon({ shards: { Trip: async () => {} }, settings: FAST }) });
    const inModule = (name: string, imported: unknown): Type<unknown> => {
      class M {}
      Object.defineProperty(M, 'name', { value: name });
      Module({ imports: [imported as Type<unknown>] })(M);
      return M;
    };
    const clash = await bootError(appModule([inModule('TripsModule', hotCold()), inModule('ReportsModule', daemon())]));
    expect(DiAdapterError.hasCode(clash, 'CONFLICTING_REGISTRATION')).toBe(true);
    expect((clash as Error).message).toContain(`projectionCoordinator('HotCold') and asyncDaemon()`);
    const twice = await bootError(appModule([inModule('A', hotCold()), inModule('B', hotCold())]));
    expect(DiAdapterError.hasCode(twice, 'DUPLICATE_REGISTRATION')).toBe(true);
    expect(server.openSessions).toBe(0);
  });

  it('refuses at boot: a shard for a store no root registers, a shard name declared twice, a request-scoped shard, a class without @Shard', async () => {
    const pool = new Pool();
    const Database = databaseModule(pool);
    const root = () => PolecatModule.forRoot({ coordinators: asyncDaemon({ settings: FAST }) });
    const unknown = await bootError(appModule([root(), feature('OrdersModule', [Database], [shardClass('Order')], 'orders')]));
    expect(DiAdapterError.hasCode(unknown, 'UNKNOWN_STORE')).toBe(true);
    expect((unknown as Error).message).toContain('OrderShard (forFeature in OrdersModule) belongs to store "orders"');

    const twice = await bootError(appModule([root(), feature('A', [Database], [shardClass('Trip')]), feature('B', [Database], [shardClass('Trip')])]));
    expect(DiAdapterError.hasCode(twice, 'DUPLICATE_SHARD')).toBe(true);

    const inline = await bootError(
      appModule([
        PolecatModule.forRoot({ coordinators: asyncDaemon({ shards: { Trip: async () => {} }, settings: FAST }) }),
        feature('A', [Database], [shardClass('Trip')]),
      ]),
    );
    expect(DiAdapterError.hasCode(inline, 'DUPLICATE_SHARD')).toBe(true);

    class RequestShard {
      async run(): Promise<void> {}
    }
    Shard('Trip')(RequestShard);
    Injectable({ scope: Scope.REQUEST })(RequestShard);
    const scoped = await bootError(appModule([root(), feature('A', [], [RequestShard])]));
    expect(DiAdapterError.hasCode(scoped, 'INVALID_CONFIGURATION')).toBe(true);
    expect((scoped as Error).message).toMatch(/request-scoped or transient/);

    class Plain {}
    expect(() => PolecatModule.forFeature({ shards: [Plain] })).toThrow(/has no @Shard/);
  });

  it('refuses two stores whose shards would share a lock id in one database (SHARED_LOCK_ID) at boot', async () => {
    const server = new InMemoryLockServer();
    const error = await bootError(
      appModule([
        PolecatModule.forRoot({
          coordinators: [
            projectionCoordinator('HotCold', { shards: { Trip: async () => {} }, createLock: () => server.createLock(), settings: FAST }),
            projectionCoordinator('HotCold', { store: 'orders', shards: { Trip: async () => {} }, createLock: () => server.createLock(), settings: FAST }),
          ],
        }),
      ]),
    );
    expect(DiAdapterError.hasCode(error, 'SHARED_LOCK_ID')).toBe(true);
    expect(server.openSessions).toBe(0);
  });

  it('forRootAsync with useClass and useExisting; the application logger is used by default, for the module and the coordinators', async () => {
    const server = new InMemoryLockServer();
    const base = randomLockBase();
    const lines: string[] = [];
    const appLogger: LoggerService = {
      log: (message: unknown, context?: unknown) => void lines.push(`log [${String(context)}] ${String(message)}`),
      warn: (message: unknown) => void lines.push(`warn ${String(message)}`),
      error: (message: unknown) => void lines.push(`error ${String(message)}`),
    };
    const running = new Set<string>();
    class PolecatConfig implements PolecatOptionsFactory {
      createPolecatOptions(): PolecatModuleOptions {
        return {
          coordinators: projectionCoordinator('HotCold', { createLock: () => server.createLock(), settings: { ...FAST, daemonLockId: base }, random: () => 0 }),
        };
      }
    }
    Injectable()(PolecatConfig);
    const TripShard = shardClass('Trip', { running });
    const Database = databaseModule(new Pool());

    const viaClass = appModule([PolecatModule.forRootAsync({ useClass: PolecatConfig, isGlobal: true }), feature('Trips', [Database], [TripShard])]);
    const app = await NestFactory.createApplicationContext(viaClass, { logger: appLogger, abortOnError: false });
    closers.push(() => app.close());
    await app.get<ProjectionCoordinator>('polecat:coordinator:default').whenOwned(1, { timeoutMs: 5000 });
    expect(running.has('Trip')).toBe(true);
    await app.close();
    expect(lines).toContainEqual(expect.stringMatching(/^log \[Polecat\] polecat coordinators started \{"stores":\["default"\]\}/));
    expect(lines).toContainEqual(expect.stringMatching(/^log \[Polecat\] ownership changed \{"acquired":\["default\/Trip:All"\]/)); // the coordinator's own diagnostics (one line per ownership change)
    expect(lines).toContainEqual(expect.stringMatching(/^log \[Polecat\] polecat coordinators drained/));

    class ConfigModule {}
    Module({ providers: [PolecatConfig], exports: [PolecatConfig] })(ConfigModule);
    const viaExisting = appModule([
      PolecatModule.forRootAsync({ imports: [ConfigModule], useExisting: PolecatConfig, isGlobal: true }),
      feature('Trips', [Database], [TripShard]),
    ]);
    const second = await NestFactory.createApplicationContext(viaExisting, { logger: false, abortOnError: false });
    closers.push(() => second.close());
    await second.get<ProjectionCoordinator>('polecat:coordinator:default').whenOwned(1, { timeoutMs: 5000 });
    await second.close();
    expect(server.openSessions).toBe(0);
  });
});
