import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { LOG_DDL, LOG_TABLES } from '../fixtures/projections';
import { nodeUrl } from './emmett-nodes';

/** A fresh schema holding Emmett's tables and the log tables; `drop()` removes it. */
export interface TestSchema {
  readonly name: string;
  /** `url` with the schema first on the search path and `application_name` = `applicationName`. */
  urlFor(applicationName: string): string;
  readonly admin: pg.Client;
  readonly store: PostgresEventStore;
  /** Appends one `Added` event to `stream`; resolves its global position. */
  append(stream: string, n: number): Promise<bigint>;
  /** Per log table: rows, distinct positions, and positions missing compared with emt_messages. */
  counts(): Promise<{ table: string; rows: number; distinct: number; missing: number }[]>;
  /** Emmett's stored checkpoint of `processorId` (null without a row). */
  checkpoint(processorId: string): Promise<bigint | null>;
  messageCount(): Promise<number>;
  drop(): Promise<void>;
}

export async function createTestSchema(url: string, prefix: string): Promise<TestSchema> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: nodeUrl(url, name, `${prefix}-admin`) });
  admin.on('error', () => {});
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.query(LOG_DDL);
  const store = getPostgreSQLEventStore(nodeUrl(url, name, `${prefix}-store`), { schema: { autoMigration: 'None' } });
  await store.schema.migrate();
  return {
    name,
    urlFor: (applicationName) => nodeUrl(url, name, applicationName),
    admin,
    store,
    async append(stream, n) {
      const result = await store.appendToStream(stream, [{ type: 'Added', data: { n } }]);
      return result.lastEventGlobalPosition;
    },
    async counts() {
      const out = [];
      for (const table of LOG_TABLES) {
        const { rows } = await admin.query<{ rows: string; distinct: string; missing: string }>(
          `SELECT (SELECT count(*) FROM ${table}) AS rows, (SELECT count(DISTINCT position) FROM ${table}) AS distinct,
                  (SELECT count(*) FROM emt_messages m WHERE NOT EXISTS (SELECT 1 FROM ${table} l WHERE l.position = m.global_position)) AS missing`,
        );
        out.push({ table, rows: Number(rows[0]!.rows), distinct: Number(rows[0]!.distinct), missing: Number(rows[0]!.missing) });
      }
      return out;
    },
    async checkpoint(processorId) {
      const { rows } = await admin.query<{ position: string }>('SELECT last_processed_checkpoint AS position FROM emt_processors WHERE processor_id = $1', [
        processorId,
      ]);
      return rows[0] === undefined ? null : BigInt(rows[0].position);
    },
    async messageCount() {
      const { rows } = await admin.query<{ count: string }>('SELECT count(*) AS count FROM emt_messages');
      return Number(rows[0]!.count);
    },
    async drop() {
      await store.close().catch(() => undefined);
      await admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}
