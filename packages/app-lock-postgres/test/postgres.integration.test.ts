import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { runAppLockConformance } from '@polecat/app-lock/testing';
import { createPgAdmin, startTcpProxy, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { PostgresAppLock } from '../src';

await describePostgres('PostgresAppLock conformance', (url) => {
  let admin: PgAdmin;
  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterAll(() => admin.close());

  const prefix = `polecat-conf-${randomUUID().slice(0, 8)}`;
  let owners = 0;
  const target = new URL(url);

  runAppLockConformance<PostgresAppLock>({
    name: 'postgres',
    createLock: (options) => new PostgresAppLock(url, { ...options, applicationName: `${prefix}-${++owners}` }),
    async killSession(lock) {
      const killed = await admin.terminateBackendsByApplicationName(lock.applicationName);
      if (killed !== 1) throw new Error(`expected to terminate 1 session of ${lock.applicationName}, terminated ${killed}`);
    },
    async createCuttableLock(options) {
      const proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
      const lock = new PostgresAppLock(proxy.rewriteUrl(url), { ...options, applicationName: `${prefix}-${++owners}` });
      return { lock, cut: () => proxy.cutAll(), close: () => proxy.close() };
    },
    countServerConnections: () => admin.countConnectionsWithPrefix(prefix),
  });
});
