// Health probes without a database: /healthz and /readyz of serveHealth / runHost({ health }),
// and the NestJS Terminus indicator with the real @nestjs/terminus.
import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import { InMemoryLockServer } from '@polecat/app-lock';
import { healthFrom, type CoordinatorHealth } from '@polecat/coordinator';
import type { ProjectionCoordinator } from '@polecat/coordinator';
import { Inject, Injectable } from '@nestjs/common';
import { HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { createProjectionCoordinator, healthReport, projectionCoordinator, type HealthSource } from '../src/index';
import { PolecatHealthIndicator, PolecatModule, getCoordinatorToken } from '../src/nestjs/index';
import { runHost, serveHealth, type HostProcess } from '../src/node/index';
import { FAST, randomLockBase, trackedAgents } from './helpers';

const fixed = (health: CoordinatorHealth): HealthSource => ({ health: () => health });
const healthy = healthFrom('running', [], 0);
const degraded = healthFrom('running', [{ code: 'AGENTS_STALLED', status: 'degraded', message: 'stalled', shards: ['default/Trip:All'], since: 0 }], 0);
const unreachable = healthFrom(
  'running',
  [
    {
      code: 'DATABASE_UNREACHABLE',
      status: 'unhealthy',
      message: 'down',
      databaseId: 'default',
      since: 0,
      error: Object.assign(new Error('database default is unreachable'), {
        code: 'DATABASE_UNREACHABLE',
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'CONNECTION_FAILED' }),
      }),
    },
  ],
  0,
);
const wedged = healthFrom('running', [{ code: 'LOOP_NOT_CYCLING', status: 'unhealthy', message: 'no cycle', since: 0 }], 0);

async function probe(port: number, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('serveHealth', () => {
  it.each([
    ['healthy', healthy, 200, 200],
    ['degraded', degraded, 200, 200],
    ['database unreachable', unreachable, 200, 503],
    ['loop not cycling', wedged, 503, 503],
  ] as const)('%s', async (_name, health, live, ready) => {
    await using server = await serveHealth({ coordinators: new Map([['orders', fixed(health)]]), port: 0, host: '127.0.0.1' });
    expect((await probe(server.port, '/healthz')).status).toBe(live);
    const readiness = await probe(server.port, '/readyz');
    expect(readiness.status).toBe(ready);
    expect(readiness.body).toEqual(healthReport(new Map([['orders', fixed(health)]])));
    expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
  });

  it('reports typed causes without stacks, and since as an ISO time', () => {
    const report = healthReport([fixed(unreachable)]);
    expect(report.coordinators.default!.reasons[0]).toEqual({
      code: 'DATABASE_UNREACHABLE',
      status: 'unhealthy',
      message: 'down',
      since: '1970-01-01T00:00:00.000Z',
      databaseId: 'default',
      error: {
        name: 'Error',
        code: 'DATABASE_UNREACHABLE',
        message: 'database default is unreachable',
        cause: { name: 'Error', code: 'CONNECTION_FAILED', message: 'connect ECONNREFUSED' },
      },
    });
    expect(JSON.stringify(report)).not.toContain('    at ');
  });
});

describe('runHost({ health })', () => {
  it('serves the probes from before start until the drain ends', async () => {
    const server = new InMemoryLockServer();
    const { agents } = trackedAgents(['Trip']);
    const coordinator = createProjectionCoordinator('HotCold', {
      shards: agents,
      createLock: () => server.createLock({ owner: 'host' }),
      settings: { ...FAST, daemonLockId: randomLockBase() },
    });
    const emitter = new EventEmitter();
    const proc: HostProcess = { on: (signal, listener) => emitter.on(signal, listener), off: (signal, listener) => emitter.off(signal, listener) };
    const host = await runHost({ coordinators: [coordinator], health: { port: 0, host: '127.0.0.1' }, exit: false, process: proc });
    const port = host.health!.port;
    await coordinator.whenOwned(1);
    expect((await probe(port, '/healthz')).status).toBe(200);
    expect((await probe(port, '/readyz')).status).toBe(200);
    await host.dispose();
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});

describe('health report keys', () => {
  it('runHost names coordinators by store, as NestJS does: one coordinator is "default", registrations their store', async () => {
    const server = new InMemoryLockServer();
    const emitter = new EventEmitter();
    const proc: HostProcess = { on: (signal, listener) => emitter.on(signal, listener), off: (signal, listener) => emitter.off(signal, listener) };
    const single = createProjectionCoordinator('HotCold', {
      shards: trackedAgents(['Trip']).agents,
      createLock: () => server.createLock(),
      settings: { ...FAST, daemonLockId: randomLockBase() },
    });
    const one = await runHost({ coordinators: [single], health: { port: 0, host: '127.0.0.1' }, exit: false, process: proc });
    expect(Object.keys((await probe(one.health!.port, '/readyz')).body.coordinators as object)).toEqual(['default']);
    await one.dispose();
    const registered = await runHost({
      coordinators: [
        projectionCoordinator('HotCold', {
          store: 'orders',
          shards: trackedAgents(['Order']).agents,
          createLock: () => server.createLock(),
          settings: { ...FAST, daemonLockId: randomLockBase() },
        }),
        projectionCoordinator('HotCold', {
          store: 'billing',
          shards: trackedAgents(['Invoice']).agents,
          createLock: () => server.createLock(),
          settings: { ...FAST, daemonLockId: randomLockBase() },
        }),
      ],
      health: { port: 0, host: '127.0.0.1' },
      exit: false,
      process: proc,
    });
    expect(Object.keys((await probe(registered.health!.port, '/readyz')).body.coordinators as object).sort()).toEqual(['billing', 'orders']);
    await registered.dispose();
  });
});

describe('PolecatHealthIndicator (NestJS Terminus)', () => {
  it('is up while ready, down (with reasons) once the coordinator stopped', async () => {
    const server = new InMemoryLockServer();
    const { agents } = trackedAgents(['Trip']);
    class Probe {
      readonly health: HealthCheckService;
      readonly polecat: PolecatHealthIndicator;
      constructor(health: HealthCheckService, polecat: PolecatHealthIndicator) {
        this.health = health;
        this.polecat = polecat;
      }
      check() {
        return this.health.check([() => this.polecat.isHealthy('polecat')]);
      }
    }
    Injectable()(Probe);
    Inject(HealthCheckService)(Probe, undefined, 0);
    Inject(PolecatHealthIndicator)(Probe, undefined, 1);
    const moduleRef = await Test.createTestingModule({
      imports: [
        TerminusModule,
        PolecatModule.forRoot({
          coordinators: [
            projectionCoordinator('HotCold', {
              shards: agents,
              createLock: () => server.createLock({ owner: 'nest' }),
              settings: { ...FAST, daemonLockId: randomLockBase() },
            }),
          ],
        }),
      ],
      providers: [PolecatHealthIndicator, Probe],
    }).compile();
    const app = moduleRef;
    await app.init();
    const coordinator = moduleRef.get<ProjectionCoordinator>(getCoordinatorToken());
    await coordinator.whenOwned(1);
    const probe = moduleRef.get(Probe);
    const up = await probe.check();
    expect(up.status).toBe('ok');
    expect(up.info?.polecat).toMatchObject({ status: 'up', health: 'healthy', ready: true });
    await coordinator.stop();
    const down: unknown = await probe.check().then(
      () => 'not rejected',
      (error: { getResponse?: () => unknown }) => error.getResponse?.(),
    );
    expect(down).toMatchObject({
      status: 'error',
      error: { polecat: { status: 'down', health: 'unhealthy', coordinators: { default: { reasons: [{ code: 'NOT_RUNNING' }] } } } },
    });
    await app.close();
  });
});
