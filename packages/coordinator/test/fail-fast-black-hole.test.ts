// failFastOnStart against a host that accepts the TCP connection and never answers (a black hole
// at the protocol level): start() rejects after ONE connect timeout, with a typed error naming
// the cause, instead of waiting out every round trip of the first cycle (each one more timeout).
import net from 'node:net';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { CoordinatorError, ProjectionCoordinator, createFunctionDaemonFactory } from '../src/index';

let server: net.Server | undefined;
const sockets = new Set<net.Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

describe('failFastOnStart against a host that never answers', () => {
  it('rejects after one connection attempt (one connectTimeoutMs) with DATABASE_UNREACHABLE naming the timeout', async () => {
    let accepted = 0;
    server = net.createServer((socket) => {
      accepted += 1;
      sockets.add(socket); // never written to: the start-up packet stays unanswered
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const url = `postgres://app@127.0.0.1:${port}/app`;
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: 'main' }],
        shards: [shardName('Trip')],
        createLock: () => new PostgresAppLock(url, { connectTimeoutMs: 500, verifyIntervalMs: 0 }),
      }),
      daemonFor: createFunctionDaemonFactory(
        () =>
          async ({ signal }) =>
            new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())),
      ),
      settings: { failFastOnStart: true, startCheckMs: 0 },
      logger: false,
    });
    const error = await coordinator.start().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(CoordinatorError.hasCode(error, 'DATABASE_UNREACHABLE'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/main is unreachable.*connectTimeoutMs = 500 ms/);
    expect(accepted).toBe(1); // the first failed round trip decided; no second timeout was waited out
    expect(coordinator.state).toBe('stopped');
  });
});
