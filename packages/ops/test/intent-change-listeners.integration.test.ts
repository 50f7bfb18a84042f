import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordingLogger } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { OPS_NOTIFY_CHANNEL, PostgresOpsNode } from '../src/index';

await describePostgres('PostgresOpsNode intent-change listeners', (url) => {
  const schema = `ops_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: url });

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  });

  it('a listener that throws is logged, and the other listeners still hear every NOTIFY', async () => {
    const logger = recordingLogger();
    const node = new PostgresOpsNode({ connection: url, nodeId: 'listener-test', schema, logger });
    try {
      let heard = 0;
      node.onChange(() => {
        throw new Error('a broken listener');
      });
      const off = node.onChange(() => void heard++);
      await node.read({ distribution: [], signal: new AbortController().signal }); // connects and LISTENs
      await admin.query(`NOTIFY ${OPS_NOTIFY_CHANNEL}`);
      await admin.query(`NOTIFY ${OPS_NOTIFY_CHANNEL}`);
      const deadline = Date.now() + 5_000;
      while (heard < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heard).toBe(2);
      expect(logger.messages('error')).toEqual(['an ownership-intent change listener threw', 'an ownership-intent change listener threw']);
      off();
      await admin.query(`NOTIFY ${OPS_NOTIFY_CHANNEL}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toBe(2);
    } finally {
      await node.dispose();
    }
  });
});
