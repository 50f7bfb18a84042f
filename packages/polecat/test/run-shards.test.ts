import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as coordinatorPackage from '@polecat/coordinator';
import * as distributorsPackage from '@polecat/distributors';
import { describe, expect, it } from 'vitest';
import {
  AppLockError,
  DiAdapterError,
  InMemoryLockServer,
  ProjectionCoordinator,
  computeLockId,
  connectionBackend,
  isPostgresConnectionString,
  lockFactoryFor,
  runShards,
  shardName,
} from '../src/index';
import type { PostgresAppLock } from '../src/postgres';
import type { SqlServerAppLock } from '../src/sql-server';

function agentsUntilAborted(names: readonly string[], running: Set<string>) {
  return Object.fromEntries(
    names.map((name) => [
      name,
      async ({ signal }: { signal: AbortSignal }) => {
        running.add(name);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        running.delete(name);
      },
    ]),
  );
}

describe('runShards', () => {
  it('runs the shards on the in-memory lock, started, and await using releases every lock', async () => {
    const server = new InMemoryLockServer();
    const running = new Set<string>();
    const base = 50_000 + Math.floor(Math.random() * 1_000_000);
    const ids = ['Trip', 'Day'].map((name) => computeLockId('dbo', `${name}:All`, base));
    {
      await using coordinator = await runShards({
        connection: { backend: 'memory', server },
        shards: agentsUntilAborted(['Trip', 'Day'], running),
        settings: { leadershipPollingTimeMs: 50, daemonLockId: base },
        random: () => 0,
      });
      expect(coordinator).toBeInstanceOf(ProjectionCoordinator);
      expect(coordinator.state).toBe('running');
      await coordinator.whenOwned(2, { timeoutMs: 5000 });
      expect(ids.map((id) => server.holderOf(id) !== undefined)).toEqual([true, true]);
    }
    expect(running.size).toBe(0);
    expect(ids.map((id) => server.holderOf(id))).toEqual([undefined, undefined]);
    expect(server.openSessions).toBe(0);
  });

  it('a second runShards node takes every shard over when the first stops', async () => {
    const server = new InMemoryLockServer();
    const a = new Set<string>();
    const b = new Set<string>();
    const names = ['S1', 'S2', 'S3', 'S4'];
    const settings = { leadershipPollingTimeMs: 50, daemonLockId: 70_000 };
    const nodeA = await runShards({ connection: { backend: 'memory', server }, shards: agentsUntilAborted(names, a), settings, random: () => 0 });
    await nodeA.whenOwned(4, { timeoutMs: 5000 });
    const nodeB = await runShards({ connection: { backend: 'memory', server }, shards: agentsUntilAborted(names, b), settings, random: () => 0 });
    await nodeA.stop();
    await nodeB.whenOwned(4, { timeoutMs: 5000 });
    expect([...b].sort()).toEqual(names);
    expect(a.size).toBe(0);
    await nodeB.stop();
  });

  it('honours a given createLock or Disabled mode without any connection', async () => {
    const server = new InMemoryLockServer();
    const coordinator = await runShards({ createLock: () => server.createLock(), shards: { Trip: async () => {} }, settings: { leadershipPollingTimeMs: 50 } });
    expect(coordinator.mode).toBe('HotCold');
    await coordinator.stop();
    const disabled = await runShards({ mode: 'Disabled', shards: {} });
    expect(disabled.status().owned).toEqual([]);
    await disabled.stop();
  });

  it('explains a missing or empty connection; rejects an unparseable SQL Server string without echoing it', async () => {
    await expect(runShards({ shards: { Trip: async () => {} } })).rejects.toSatisfy((e: unknown) => DiAdapterError.hasCode(e, 'INVALID_CONFIGURATION'));
    await expect(lockFactoryFor('  ')).rejects.toThrow(/PostgreSQL URL .*SQL Server connection string/);
    const error = await lockFactoryFor('Server=;Password=hunter2').catch((e: unknown) => e);
    expect(AppLockError.hasCode(error, 'INVALID_CONFIGURATION')).toBe(true);
    expect(String((error as Error).message)).not.toContain('hunter2');
    const keywords = await lockFactoryFor('host=db password=hunter2 bogus=1').catch((e: unknown) => e);
    expect(AppLockError.hasCode(keywords, 'INVALID_CONFIGURATION')).toBe(true);
    expect(String((keywords as Error).message)).not.toContain('hunter2');
  });

  it.each([
    'postgress://app:hunter2@db/x', // typo
    'mysql://app:hunter2@db/x',
    'postgresql//app:hunter2@db:5432/x', // malformed
    'Database=x;Password=hunter2', // SQL Server keywords naming no server
    'hunter2@base',
    'garbage',
  ])('refuses %s by form: a typed INVALID_CONFIGURATION naming the accepted forms, without echoing it', async (connection) => {
    const error = await lockFactoryFor(connection).catch((e: unknown) => e);
    expect(DiAdapterError.hasCode(error, 'INVALID_CONFIGURATION')).toBe(true);
    const message = (error as Error).message;
    for (const form of ['postgres://', 'host=', 'Server=', 'Data Source=', 'mssql://', 'sqlserver://']) expect(message).toContain(form);
    expect(message).not.toContain('hunter2');
    const viaRunShards = await runShards({ connection, shards: { Trip: async () => {} } }).catch((e: unknown) => e);
    expect(DiAdapterError.hasCode(viaRunShards, 'INVALID_CONFIGURATION')).toBe(true);
  });

  it('routes each recognised form to its backend', async () => {
    expect(connectionBackend('postgres://u@h/db')).toBe('postgres');
    expect(connectionBackend(' PostgreSQL://u@h/db')).toBe('postgres');
    expect(connectionBackend('host=db dbname=app user=app')).toBe('postgres');
    expect(connectionBackend('Server=db;Database=app')).toBe('sqlserver');
    expect(connectionBackend('Data Source=db;Initial Catalog=app')).toBe('sqlserver');
    expect(connectionBackend('mssql://sa@db/app')).toBe('sqlserver');
    expect(connectionBackend('sqlserver://sa@db/app')).toBe('sqlserver');
    expect(connectionBackend('pg://x')).toBeUndefined();
    expect(isPostgresConnectionString('host=db user=app')).toBe(true);
    expect(isPostgresConnectionString('Server=db;Database=app')).toBe(false);
    const keywords = (await lockFactoryFor('host=127.0.0.1 port=1 user=app password=hunter2 dbname=x'))({ id: 'default' }) as PostgresAppLock;
    expect(keywords.backend).toBe('postgres');
    expect(keywords.target).toBe('postgres://app@127.0.0.1:1/x');
    await keywords.dispose();
    const url = (await lockFactoryFor('mssql://sa:hunter2@db:1444/app'))({ id: 'default' }) as SqlServerAppLock;
    expect(url.backend).toBe('sqlserver');
    expect(url.target).toBe('sqlserver://sa@db:1444/app');
    await url.dispose();
  });

  it('re-exports the very same classes and functions as the packages', () => {
    expect(ProjectionCoordinator).toBe(coordinatorPackage.ProjectionCoordinator);
    expect(shardName).toBe(distributorsPackage.shardName);
  });

  it('a PostgreSQL user never loads mssql (drivers are imported lazily)', () => {
    const fixture = fileURLToPath(new URL('./fixtures/loaded-drivers.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    const loaded = JSON.parse(result.stdout.trim()) as { before: string[]; afterPostgres: string[]; afterSqlServer: string[] };
    expect(loaded.before).toEqual([]);
    expect(loaded.afterPostgres).toEqual(['pg']);
    expect(loaded.afterSqlServer).toEqual(['mssql', 'pg']);
  });
});
