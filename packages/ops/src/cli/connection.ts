import { isPostgresUrl, openPgClient, type PgClientLike } from '../internal/pg-client';
import { OpsError } from '../ops-error';

/** The connection of a command: the argument, else `POLECAT_CONNECTION`, else `DATABASE_URL`. */
export function resolveConnection(given: string | undefined, env: NodeJS.ProcessEnv): string {
  const connection = given ?? env.POLECAT_CONNECTION ?? env.DATABASE_URL;
  if (connection === undefined || connection.trim() === '') {
    throw new OpsError('INVALID_ARGUMENT', 'no connection: pass one (postgres://...), or set POLECAT_CONNECTION or DATABASE_URL');
  }
  return connection;
}

/** Opens the operator's connection (PostgreSQL only for this command). */
export async function openPostgres(connection: string): Promise<PgClientLike> {
  if (!isPostgresUrl(connection)) {
    throw new OpsError('UNSUPPORTED_CONNECTION', 'this command needs a postgres:// connection (pause, resume and drain intents live in PostgreSQL tables)');
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
