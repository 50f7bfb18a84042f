import { PostgresEpochStore, StaleEpochError, shardName } from '@polecat/polecat';
import { createPgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { postgreSQLEventStoreConsumer } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { emmettAgent, emmettProjector, emmettReactor, runEmmettProcessors, type EmmettProcessor } from '../src/index';
import { LOG_TABLES, logProjection, type Added } from './fixtures/projections';
import { createTestSchema, type TestSchema } from './support/schema';

const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

await describePostgres('@polecat/emmett in one process', (url) => {
  let schema: TestSchema;
  beforeEach(async () => {
    schema = await createTestSchema(url, 'emt_ip');
  });
  afterEach(async () => {
    await schema.drop();
  });

  it("refuses a stale owner's late batch: rolled back, checkpoint unchanged, StaleEpochError escapes", async () => {
    const epochPool = new pg.Pool({ connectionString: schema.urlFor('emt-ip-epochs'), max: 2 });
    const store = new PostgresEpochStore(epochPool);
    const key = `${schema.name}/log_a`;
    const database = { id: 'default' };
    const shard = shardName('log_a');
    const agentFor = (node: string): ReturnType<typeof emmettAgent> =>
      emmettAgent(emmettProjector({ projection: logProjection('log_a', LOG_TABLES[0], node) }), {
        connectionString: schema.urlFor(`emt-ip-${node}`),
        fencingKeyFor: () => key,
        pulling: { batchSize: 5, pullingFrequencyInMs: 10 },
      });
    try {
      for (let i = 0; i < 10; i++) await schema.append(`s-${i % 3}`, i);
      const oldEpoch = await store.nextEpoch(key);
      const oldOwner = new AbortController();
      const oldRun = agentFor('old')({ signal: oldOwner.signal, shard, database, epoch: oldEpoch, progress: () => {} }).then(
        () => 'resolved',
        (error: unknown) => error,
      );
      await until('the old owner to apply the first 10 events', async () => (await schema.counts())[0]!.rows === 10);
      const before = await schema.checkpoint('emt:processor:projector:log_a');

      // A takeover happened elsewhere: a newer grant, and the new owner runs alongside the old one.
      const newEpoch = await store.nextEpoch(key);
      const newOwner = new AbortController();
      const newRun = agentFor('new')({ signal: newOwner.signal, shard, database, epoch: newEpoch, progress: () => {} });
      for (let i = 10; i < 30; i++) await schema.append(`s-${i % 3}`, i);

      expect(StaleEpochError.isStale(await oldRun)).toBe(true);
      await until('the new owner to apply all 30 events', async () => (await schema.counts())[0]!.rows >= 30);
      newOwner.abort();
      await newRun;

      const [log] = await schema.counts();
      expect(log).toEqual({ table: LOG_TABLES[0], rows: 30, distinct: 30, missing: 0 });
      const { rows } = await schema.admin.query<{ node: string; count: string }>(
        `SELECT node, count(*) AS count FROM ${LOG_TABLES[0]} WHERE n >= 10 GROUP BY node`,
      );
      expect(rows.map((row) => ({ node: row.node, count: Number(row.count) }))).toEqual([{ node: 'new', count: 20 }]); // not one event after the new grant came from the old owner
      expect(before).toBe(10n); // the old owner had checkpointed its 10 events...
      expect(await schema.checkpoint('emt:processor:projector:log_a')).toBe(30n); // ...and the new one the rest
    } finally {
      await epochPool.end();
    }
  });

  it("a dead owner's Emmett lease (status running, fresh last_updated) blocks plain Emmett but not our agent", async () => {
    const epochPool = new pg.Pool({ connectionString: schema.urlFor('emt-ip-epochs'), max: 2 });
    const store = new PostgresEpochStore(epochPool);
    const key = `${schema.name}/lease`;
    try {
      for (let i = 0; i < 5; i++) await schema.append('s', i);
      // What a SIGKILLed owner leaves behind: its row 'running', refreshed by its last checkpoint.
      await schema.admin.query(
        `INSERT INTO emt_processors (processor_id, partition, version, processor_instance_id, status, last_processed_checkpoint, last_processed_transaction_id, created_at, last_updated)
         VALUES ('emt:processor:projector:lease', 'emt:default', 1, 'dead-node', 'running', '0000000000000000000', '0'::xid8, now(), now())`,
      );
      // Plain Emmett with its defaults (lease 300 s, policy 'fail') refuses to start the projection.
      const plain = postgreSQLEventStoreConsumer({ connectionString: schema.urlFor('emt-ip-plain') });
      plain.projector({ projection: logProjection('lease', LOG_TABLES[0], 'plain') });
      await expect(plain.start()).rejects.toThrow(/Failed to acquire lock/);
      await plain.close().catch(() => undefined);
      expect((await schema.counts())[0]!.rows).toBe(0);

      const controller = new AbortController();
      const run = emmettAgent(emmettProjector({ projection: logProjection('lease', LOG_TABLES[0], 'polecat') }), {
        connectionString: schema.urlFor('emt-ip-lease'),
        fencingKeyFor: () => key,
      })({ signal: controller.signal, shard: shardName('lease'), database: { id: 'default' }, epoch: await store.nextEpoch(key), progress: () => {} });
      await until('our agent to apply the 5 events', async () => (await schema.counts())[0]!.rows === 5);
      controller.abort();
      await run;
      const { rows } = await schema.admin.query<{ status: string; processor_instance_id: string }>(
        "SELECT status, processor_instance_id FROM emt_processors WHERE processor_id = 'emt:processor:projector:lease'",
      );
      expect(rows).toEqual([{ status: 'stopped', processor_instance_id: 'emt:unknown' }]);
    } finally {
      await epochPool.end();
    }
  });

  it('an agent resolves only once its consumer stopped (the in-flight batch commits first); no progress while a batch is in flight', async () => {
    const epochPool = new pg.Pool({ connectionString: schema.urlFor('emt-ip-epochs'), max: 2 });
    const store = new PostgresEpochStore(epochPool);
    const key = `${schema.name}/slow`;
    let inBatch: (() => void) | undefined;
    let enteredAt = 0;
    const entered = new Promise<void>((resolve) => (inBatch = () => ((enteredAt ||= Date.now()), resolve())));
    const reports: { at: number; position: unknown }[] = [];
    const slow = logProjection('slow', LOG_TABLES[1], 'slow');
    const handle = slow.handle;
    const processor: EmmettProcessor = emmettProjector({
      projection: {
        ...slow,
        handle: async (events, context) => {
          inBatch?.();
          await new Promise((resolve) => setTimeout(resolve, 300)); // a slow read-model write (per event: 1.5 s for the batch)
          await handle(events, context);
        },
      },
    });
    try {
      for (let i = 0; i < 5; i++) await schema.append('s', i);
      const controller = new AbortController();
      const run = emmettAgent(processor, { connectionString: schema.urlFor('emt-ip-slow'), fencingKeyFor: () => key, pulling: { batchSize: 100 } })({
        signal: controller.signal,
        shard: shardName('slow'),
        database: { id: 'default' },
        epoch: await store.nextEpoch(key),
        progress: (position) => void reports.push({ at: Date.now(), position }),
      });
      await entered;
      controller.abort();
      await run;
      // Resolved after the batch: every event of it is committed, with its checkpoint.
      expect((await schema.counts())[1]).toEqual({ table: LOG_TABLES[1], rows: 5, distinct: 5, missing: 0 });
      expect(await schema.checkpoint('emt:processor:projector:slow')).toBe(5n);
      // Progress: the batch reported its last position when it ended, and nothing while it ran
      // (1.5 s, three idle intervals): a hanging batch shows up as a stall.
      const end = reports.findIndex((report) => report.position === 5n);
      expect(end).toBeGreaterThanOrEqual(0);
      expect(reports.slice(0, end).filter((report) => report.at > enteredAt)).toEqual([]);
    } finally {
      await epochPool.end();
    }
  });

  it('start-up and shutdown leave no session behind (a projector and a reactor)', async () => {
    const admin = await createPgAdmin(url);
    const applicationName = `emt-ip-${process.pid}`;
    try {
      for (let i = 0; i < 20; i++) await schema.append(`s-${i % 4}`, i);
      const emmett = await runEmmettProcessors({
        connectionString: schema.urlFor(applicationName),
        applicationName,
        processors: [
          emmettProjector({ projection: logProjection('log_a', LOG_TABLES[0], 'one') }),
          emmettReactor<Added>({
            processorId: 'log-b-reactor',
            canHandle: ['Added'],
            eachMessage: async (message, context) => {
              await context.connection.client.query(`INSERT INTO ${LOG_TABLES[1]} (position, stream, n, node) VALUES ($1, $2, $3, 'reactor')`, [
                String(message.metadata.globalPosition),
                message.metadata.streamName,
                message.data.n,
              ]);
            },
          }),
        ],
        settings: { leadershipPollingTimeMs: 200 },
      });
      await until('both projections to catch up', async () => (await schema.counts()).every((c) => c.rows === 20));
      expect(await admin.countConnections(applicationName)).toBeGreaterThan(0);
      await emmett.stop();
      expect(await admin.waitForConnections(applicationName, 0, 5_000)).toBe(0);
      expect(await schema.counts()).toEqual(LOG_TABLES.map((table) => ({ table, rows: 20, distinct: 20, missing: 0 })));
      // Emmett's processor rows were released (status stopped), so nothing waits for Emmett's lease.
      const { rows } = await schema.admin.query<{ status: string }>('SELECT DISTINCT status FROM emt_processors');
      expect(rows).toEqual([{ status: 'stopped' }]);
    } finally {
      await admin.close();
    }
  });
});
