// The side-by-side's two Emmett processors: a projector with an additive read model (an event
// applied twice or lost changes a total) and a reactor. Both also log every message they apply
// (position, node, time) in the batch transaction: when a processor advanced again after a fault,
// and on which node, comes from these logs.
import type { Event } from '@event-driven-io/emmett';
import { postgreSQLProjection, type PostgreSQLProcessorEachMessageHandler, type PostgreSQLProjectionDefinition } from '@event-driven-io/emmett-postgresql';

/** A taxi drove one leg of a trip. */
export type LegDriven = Event<'LegDriven', { readonly trip: string; readonly km: number }>;

/** The projector's name (its processor id is `emt:processor:projector:<name>`; its shard is the name). */
export const PROJECTION = 'bench_trips';
/** The reactor's processor id (and shard). */
export const REACTOR = 'bench-reactor';
/** Per processor (shard): its id in `emt_processors` and its log table. */
export const PROCESSORS = [
  { shard: PROJECTION, processorId: `emt:processor:projector:${PROJECTION}`, log: 'projector_log' },
  { shard: REACTOR, processorId: REACTOR, log: 'reactor_log' },
] as const;

/** The tables the harness creates before any node starts. */
export const TABLES_SQL = [
  ...PROCESSORS.map(({ log }) => `CREATE TABLE ${log} (position bigint NOT NULL, node text NOT NULL, at double precision NOT NULL)`),
  'CREATE TABLE trips (trip text PRIMARY KEY, km bigint NOT NULL, legs int NOT NULL)',
];

interface Queryable {
  query(text: string, values: readonly unknown[]): Promise<unknown>;
}

/** One row per applied message: its position, the node (the connection's application_name) and when (ms since the epoch). */
async function logApplied(client: Queryable, table: string, position: bigint): Promise<void> {
  await client.query(
    `INSERT INTO ${table} (position, node, at) VALUES ($1, current_setting('application_name'), extract(epoch from clock_timestamp()) * 1000)`,
    [String(position)],
  );
}

/** Per trip: kilometres and legs, in `trips`. */
export function tripTotals(): PostgreSQLProjectionDefinition<LegDriven> {
  return postgreSQLProjection<LegDriven>({
    name: PROJECTION,
    canHandle: ['LegDriven'],
    handle: async (events, { connection }) => {
      for (const { data, metadata } of events) {
        await connection.client.query(
          'INSERT INTO trips (trip, km, legs) VALUES ($1, $2, 1) ON CONFLICT (trip) DO UPDATE SET km = trips.km + excluded.km, legs = trips.legs + 1',
          [data.trip, data.km],
        );
        await logApplied(connection.client, 'projector_log', metadata.globalPosition);
      }
    },
  });
}

/** The reactor's handler: one row per handled message in `reactor_log`, in the batch transaction. */
export const logPosition: PostgreSQLProcessorEachMessageHandler<LegDriven> = async (message, context) => {
  await logApplied(context.connection.client, 'reactor_log', message.metadata.globalPosition);
};

/** `url` with `schema` first on the search path and an `application_name`. */
export function schemaUrl(url: string, schema: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  parsed.searchParams.set('options', `-c search_path=${schema},public`);
  return parsed.toString();
}
