// The example's two read models. Both are plain SQL upserts that add up numbers, so an event
// applied twice (or skipped) changes the result: exactly-once shows in the totals.
import type { Event } from '@event-driven-io/emmett';
import { postgreSQLProjection, type PostgreSQLProjectionDefinition } from '@event-driven-io/emmett-postgresql';

/** A taxi drove one leg of a trip. */
export type LegDriven = Event<'LegDriven', { readonly trip: string; readonly driver: string; readonly km: number }>;

/** Per trip: kilometres and legs. */
export function tripTotals(name: string, table: string): PostgreSQLProjectionDefinition<LegDriven> {
  return postgreSQLProjection<LegDriven>({
    name,
    canHandle: ['LegDriven'],
    init: async ({ context }) => {
      await context.connection.client.query(`CREATE TABLE IF NOT EXISTS ${table} (trip text PRIMARY KEY, km bigint NOT NULL, legs int NOT NULL)`);
    },
    handle: async (events, { connection }) => {
      for (const { data } of events) {
        await connection.client.query(
          `INSERT INTO ${table} (trip, km, legs) VALUES ($1, $2, 1) ON CONFLICT (trip) DO UPDATE SET km = ${table}.km + excluded.km, legs = ${table}.legs + 1`,
          [data.trip, data.km],
        );
      }
    },
  });
}

/** Per driver: kilometres, legs, and the last trip driven. */
export function driverStats(name: string, table: string): PostgreSQLProjectionDefinition<LegDriven> {
  return postgreSQLProjection<LegDriven>({
    name,
    canHandle: ['LegDriven'],
    init: async ({ context }) => {
      await context.connection.client.query(
        `CREATE TABLE IF NOT EXISTS ${table} (driver text PRIMARY KEY, km bigint NOT NULL, legs int NOT NULL, last_trip text NOT NULL)`,
      );
    },
    handle: async (events, { connection }) => {
      for (const { data } of events) {
        await connection.client.query(
          `INSERT INTO ${table} (driver, km, legs, last_trip) VALUES ($1, $2, 1, $3)
           ON CONFLICT (driver) DO UPDATE SET km = ${table}.km + excluded.km, legs = ${table}.legs + 1, last_trip = excluded.last_trip`,
          [data.driver, data.km, data.trip],
        );
      }
    },
  });
}

/** `url` with the example's schema first on the search path and an `application_name`. */
export function schemaUrl(url: string, schema: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  parsed.searchParams.set('options', `-c search_path=${schema},public`);
  return parsed.toString();
}
