import { ACCEPTED_CONNECTION_FORMS, connectionStringForm, type ConnectionStringForm } from '@polecat/app-lock';
import { openPgClient, type PgClientLike } from '../internal/pg-client';
import { OpsError } from '../ops-error';

/** The connection of a command: the argument, else `POLECAT_CONNECTION`, else `DATABASE_URL`. */
export function resolveConnection(given: string | undefined, env: NodeJS.ProcessEnv): string {
  const connection = given ?? env.POLECAT_CONNECTION ?? env.DATABASE_URL;
  if (connection === undefined || connection.trim() === '') {
    throw new OpsError('INVALID_ARGUMENT', 'no connection: pass one (postgres://...), or set POLECAT_CONNECTION or DATABASE_URL');
  }
  return connection;
}

/** The database a connection string names, by its form (the detection `runShards` uses). */
export type ConnectionBackend = 'postgres' | 'sql-server';

/**
 * The backend of `connection` by its form (`connectionStringForm` of `@polecat/app-lock`); a string
 * of no accepted form (`postgress://`, `mysql://`, `localhost`) is `INVALID_ARGUMENT` naming the
 * accepted forms, never the string (it may hold a password).
 */
export function connectionBackend(connection: string): ConnectionBackend {
  const form: ConnectionStringForm | undefined = connectionStringForm(connection);
  if (form === undefined) throw new OpsError('INVALID_ARGUMENT', `not a connection string; expected ${ACCEPTED_CONNECTION_FORMS}`);
  return form === 'postgres-url' || form === 'postgres-keywords' ? 'postgres' : 'sql-server';
}

/** Opens the operator's connection (PostgreSQL only for this command). */
export async function openPostgres(connection: string): Promise<PgClientLike> {
  if (connectionBackend(connection) !== 'postgres') {
    throw new OpsError('UNSUPPORTED_CONNECTION', 'this command needs a PostgreSQL connection (pause, resume and drain intents live in PostgreSQL tables)');
  }
  if (connectionStringForm(connection) === 'postgres-keywords') {
    throw new OpsError('UNSUPPORTED_CONNECTION', 'the polecat command takes PostgreSQL as a URL (postgres://user@host:5432/db), not as keyword/value pairs');
  }
  return openPgClient(connection, 'polecat-cli');
}

/** Runs `work` with an open client and always closes it. */
export async function withPostgres<T>(connection: string, work: (client: PgClientLike) => Promise<T>): Promise<T> {
  const client = await openPostgres(connection);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
