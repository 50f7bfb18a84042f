import net from 'node:net';
import { startFakePostgresAuthServer } from '@polecat/test-utils';
import { describe, expect, it } from 'vitest';
import { CoordinatorError, runShards, type Logger } from '../src/index';

const PG = process.env.POLECAT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const agent = async ({ signal }: { signal: AbortSignal }): Promise<void> => {
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
};

function lines(): Logger & { text: () => string } {
  const out: string[] = [];
  const log = (level: string) => (message: string, context?: object) => void out.push(`${level} ${message} ${JSON.stringify(context ?? {})}`);
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), text: () => out.join('\n') };
}

async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('runShards against a database that refuses for good', () => {
  it('rejects a wrong password at once with DATABASE_REFUSED saying what to fix, never printing the password', async () => {
    const fake = await startFakePostgresAuthServer();
    const logger = lines();
    const started = Date.now();
    try {
      const error = await runShards({ connection: `postgres://app:s3cret-pw@127.0.0.1:${fake.port}/app`, shards: { Trip: agent }, logger }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(CoordinatorError.hasCode(error, 'DATABASE_REFUSED'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/password/);
      expect((error as Error).message).not.toContain('s3cret-pw');
      expect(logger.text()).not.toContain('s3cret-pw');
      expect(Date.now() - started).toBeLessThan(4000);
      await expect.poll(() => fake.connections(), { timeout: 2000 }).toBe(0); // stopped: nothing stays open
    } finally {
      await fake.close();
    }
  });

  it('rejects a database that does not exist (3D000) with DATABASE_REFUSED', async () => {
    const url = new URL(PG);
    url.pathname = '/no_such_database_h20';
    const error = await runShards({ connection: url.toString(), shards: { Trip: agent }, logger: false }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(CoordinatorError.hasCode(error, 'DATABASE_REFUSED'), String(error)).toBe(true);
    expect((error as Error).message).toMatch(/database name/);
  });

  it('treats a refused port as transient: start resolves, health is unhealthy DATABASE_UNREACHABLE, retries go on', async () => {
    const port = await refusedPort();
    const coordinator = await runShards({
      connection: `postgres://app@127.0.0.1:${port}/app`,
      shards: { Trip: agent },
      logger: false,
      settings: { startCheckMs: 2000 },
    });
    try {
      await expect.poll(() => coordinator.health().reasons.map((reason) => reason.code), { timeout: 5000 }).toContain('DATABASE_UNREACHABLE');
      expect(coordinator.health().status).toBe('unhealthy');
      expect(coordinator.state).toBe('running');
    } finally {
      await coordinator.stop();
    }
  });
});
