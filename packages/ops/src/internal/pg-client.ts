import { OpsError } from '../ops-error';

/** The part of a `pg.Client` this package uses (structural: no `pg` types in the public API). */
export interface PgClientLike {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<{ readonly rows: readonly unknown[] }>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { readonly channel: string; readonly payload?: string; readonly processId?: number }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
}

interface PgModule {
  readonly Client: new (config: { connectionString: string; application_name?: string; connectionTimeoutMillis?: number }) => PgClientLike;
}

/** `true` for a `postgres://` / `postgresql://` URL. */
export function isPostgresUrl(connection: string): boolean {
  return /^postgres(ql)?:\/\//i.test(connection);
}

/** Opens one `pg.Client` (pg is an optional peer, loaded on first use). */
export async function openPgClient(connection: string, applicationName: string, connectTimeoutMs = 10_000): Promise<PgClientLike> {
  let pg: PgModule;
  try {
    const loaded = (await import('pg')) as unknown as PgModule & { default?: PgModule };
    pg = loaded.default ?? loaded;
  } catch (cause) {
    throw new OpsError('UNSUPPORTED_CONNECTION', 'PostgreSQL needs the `pg` package: npm install pg', { cause });
  }
  const client = new pg.Client({ connectionString: connection, application_name: applicationName.slice(0, 63), connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => undefined); // reported through the next query; never an unhandled 'error' event
  try {
    await client.connect();
  } catch (cause) {
    await client.end().catch(() => undefined);
    throw new OpsError('QUERY_FAILED', `could not connect: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  return client;
}
