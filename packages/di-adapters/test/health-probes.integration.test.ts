// /healthz and /readyz of the plain-Node host on PostgreSQL while the database is up, down and
// back. "Down" is simulated with the test-utils TCP proxy in front of PostgreSQL (every connection
// cut, new ones stalled until their connect timeout), never by stopping the shared server.
import { EventEmitter } from 'node:events';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { startTcpProxy, type TcpProxy } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { createProjectionCoordinator } from '../src/index';
import { runHost, type HostProcess, type RunningHost } from '../src/node/index';
import { randomLockBase, trackedAgents } from './helpers';

interface Probe {
  readonly status: number;
  readonly body: {
    ready: boolean;
    alive: boolean;
    coordinators: Record<string, { reasons: { code: string; since?: string; error?: { code?: string; cause?: { code?: string } } }[] }>;
  };
}

async function probe(port: number, path: '/healthz' | '/readyz'): Promise<Probe> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: (await response.json()) as Probe['body'] };
}

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

await describePostgres('health probes of the node host (PostgreSQL)', (url) => {
  let proxy: TcpProxy | undefined;
  let host: RunningHost | undefined;
  afterEach(async () => {
    proxy?.resume();
    await host?.dispose();
    await proxy?.close();
  });

  it('answer as documented while the database is up, down and back', async () => {
    const target = new URL(url);
    proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
    const lockUrl = proxy.rewriteUrl(url);
    const { agents, running } = trackedAgents(['Trip', 'Day']);
    const coordinator = createProjectionCoordinator('HotCold', {
      shards: agents,
      createLock: () => new PostgresAppLock(lockUrl, { applicationName: 'i12-probes', verifyIntervalMs: 300, requestTimeoutMs: 1000, connectTimeoutMs: 1000 }),
      settings: { leadershipPollingTimeMs: 500, takeoverPollingTimeMs: 100, stopDrainTimeoutMs: 2000, daemonLockId: randomLockBase() },
    });
    const emitter = new EventEmitter();
    const proc: HostProcess = { on: (signal, listener) => emitter.on(signal, listener), off: (signal, listener) => emitter.off(signal, listener) };
    host = await runHost({ coordinators: [coordinator], health: { port: 0, host: '127.0.0.1' }, exit: false, process: proc });
    const port = host.health!.port;

    // up
    await coordinator.whenOwned(2, { timeoutMs: 15_000 });
    expect(await probe(port, '/healthz')).toMatchObject({ status: 200, body: { alive: true } });
    expect(await probe(port, '/readyz')).toMatchObject({ status: 200, body: { ready: true, coordinators: { default: { reasons: [] } } } });

    // down: connections cut, new ones hang until their connect timeout
    proxy.stall();
    proxy.cutAll();
    await eventually(async () => (await probe(port, '/readyz')).status === 503, '/readyz 503 while the database is down');
    const down = await probe(port, '/readyz');
    const reason = down.body.coordinators.default!.reasons.find((r) => r.code === 'DATABASE_UNREACHABLE');
    expect(reason?.error?.code).toBe('DATABASE_UNREACHABLE');
    expect(reason?.error?.cause?.code).toBe('CONNECTION_FAILED');
    expect(Number.isNaN(Date.parse(reason!.since!))).toBe(false);
    expect(await probe(port, '/healthz')).toMatchObject({ status: 200, body: { alive: true } }); // alive: do not restart for a database outage
    expect(running.size).toBe(0); // the lost locks aborted the agents
    expect(coordinator.status().owned).toEqual([]);

    // back
    proxy.resume();
    await coordinator.whenOwned(2, { timeoutMs: 20_000 });
    await eventually(async () => (await probe(port, '/readyz')).status === 200, '/readyz 200 once the database is back');
    expect(await probe(port, '/healthz')).toMatchObject({ status: 200 });
    expect(running.size).toBe(2);
  });
});
