import 'reflect-metadata';
import { InMemoryLockServer } from '@polecat/app-lock';
import type { ProjectionCoordinator } from '@polecat/coordinator';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorRegistry, DiAdapterError, asyncDaemon, projectionCoordinator } from '../src/index';
import { POLECAT_COORDINATORS, PolecatModule, getCoordinatorToken } from '../src/nestjs/index';
import { FAST, lockIdsOf, randomLockBase, trackedAgents } from './helpers';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('PolecatModule (real NestJS application)', () => {
  it('starts the coordinator on bootstrap, owns its shards, and releases every lock on close', async () => {
    const server = new InMemoryLockServer();
    const base = randomLockBase();
    const { agents, running } = trackedAgents(['Trip', 'Day']);
    const moduleRef = await Test.createTestingModule({
      imports: [
        PolecatModule.forRoot({
          coordinators: [
            projectionCoordinator('HotCold', {
              shards: agents,
              createLock: () => server.createLock({ owner: 'nest-node' }),
              settings: { ...FAST, daemonLockId: base },
              random: () => 0,
            }),
          ],
        }),
      ],
    }).compile();
    const app = moduleRef;
    const coordinator = app.get<ProjectionCoordinator>(getCoordinatorToken());
    expect(coordinator.state).toBe('idle');
    await app.init();
    expect(coordinator.state).toBe('running');
    await coordinator.whenOwned(2, { timeoutMs: 5000 });
    const ids = lockIdsOf(['Trip', 'Day'], base);
    for (const id of ids) expect(server.holderOf(id)).toBe('nest-node');
    await app.close();
    expect(coordinator.state).toBe('stopped');
    expect(running.size).toBe(0);
    for (const id of ids) expect(server.holderOf(id)).toBeUndefined();
    expect(server.openSessions).toBe(0);
  });

  it('gives each store its own coordinator and token, injectable into a user provider', async () => {
    const server = new InMemoryLockServer();
    const base = randomLockBase();
    const main = trackedAgents(['Trip']);
    const orders = trackedAgents(['Order']);

    class Reporter {
      readonly main: ProjectionCoordinator;
      readonly orders: ProjectionCoordinator;
      constructor(mainCoordinator: ProjectionCoordinator, ordersCoordinator: ProjectionCoordinator) {
        this.main = mainCoordinator;
        this.orders = ordersCoordinator;
      }
    }
    Injectable()(Reporter);
    Inject(getCoordinatorToken())(Reporter, undefined, 0);
    Inject(getCoordinatorToken('orders'))(Reporter, undefined, 1);

    const registry = new CoordinatorRegistry()
      .addProjectionCoordinator('HotCold', {
        shards: main.agents,
        createLock: () => server.createLock(),
        settings: { ...FAST, daemonLockId: base },
        random: () => 0,
      })
      .addAsyncDaemon({ store: 'orders', shards: orders.agents, settings: FAST });
    class AppModule {}
    Module({ imports: [PolecatModule.forRoot({ coordinators: registry })], providers: [Reporter] })(AppModule);

    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    closers.push(() => app.close());
    const reporter = app.get(Reporter);
    expect(reporter.main).not.toBe(reporter.orders);
    expect(reporter.orders.mode).toBe('Solo');
    expect(app.get<ReadonlyMap<string, ProjectionCoordinator>>(POLECAT_COORDINATORS).size).toBe(2);
    await reporter.main.whenOwned(1, { timeoutMs: 5000 });
    await reporter.orders.whenOwned(1, { timeoutMs: 5000 });
    expect([...main.running, ...orders.running].sort()).toEqual(['Order', 'Trip']);
    await app.close();
    expect(main.running.size + orders.running.size).toBe(0);
    expect(server.openSessions).toBe(0);
  });

  it('forRootAsync builds the options from injected providers', async () => {
    const server = new InMemoryLockServer();
    const base = randomLockBase();
    const { agents, running } = trackedAgents(['Trip']);
    const CONFIG = 'config';
    class ConfigModule {}
    Module({ providers: [{ provide: CONFIG, useValue: { pollMs: 50 } }], exports: [CONFIG] })(ConfigModule);

    const moduleRef = await Test.createTestingModule({
      imports: [
        PolecatModule.forRootAsync({
          imports: [ConfigModule],
          inject: [CONFIG],
          useFactory: (config: { pollMs: number }) => ({
            coordinators: projectionCoordinator('HotCold', {
              shards: agents,
              createLock: () => server.createLock(),
              settings: { leadershipPollingTimeMs: config.pollMs, daemonLockId: base },
              random: () => 0,
            }),
          }),
        }),
      ],
    }).compile();
    closers.push(() => moduleRef.close());
    await moduleRef.init();
    const coordinator = moduleRef.get<ProjectionCoordinator>(getCoordinatorToken());
    expect(coordinator.settings.leadershipPollingTimeMs).toBe(50);
    await coordinator.whenOwned(1, { timeoutMs: 5000 });
    await moduleRef.close();
    expect(running.size).toBe(0);
    expect(server.holderOf(lockIdsOf(['Trip'], base)[0]!)).toBeUndefined();
  });

  it('forRootAsync fails the bootstrap when the factory registers undeclared stores', async () => {
    const builder = Test.createTestingModule({
      imports: [
        PolecatModule.forRootAsync({
          useFactory: () => ({ coordinators: [asyncDaemon({ store: 'orders', shards: { A: async () => {} } })] }),
        }),
      ],
    });
    const error = await builder.compile().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(DiAdapterError.hasCode(error, 'UNKNOWN_STORE')).toBe(true);
    expect(() => PolecatModule.forRootAsync({ stores: [], useFactory: () => ({ coordinators: [] }) })).toThrow(/non-empty list/);
  });
});
