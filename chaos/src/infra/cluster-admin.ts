import pg from 'pg';

/**
 * The chaos run's admin connection to its PRIVATE cluster (never the shared server): it may see
 * and terminate sessions of every database of that cluster. Reconnects after a restart.
 */
export class ClusterAdmin {
  readonly #url: string;
  #client: pg.Client | undefined;

  constructor(url: string) {
    this.#url = url;
  }

  async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const client = await this.#connect();
        return await client.query<R>(text, values);
      } catch (error) {
        this.#drop();
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** `pg_terminate_backend` of every session named `applicationName` (all databases of the private cluster). */
  async terminate(applicationName: string): Promise<number> {
    const result = await this.query<{ ok: boolean }>(
      'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [applicationName],
    );
    return result.rows.filter((row) => row.ok).length;
  }

  /** Sessions named exactly `applicationName`, or starting with it when `prefix`. */
  async count(applicationName: string, prefix = false): Promise<number> {
    const result = await this.query<{ n: string }>(
      prefix
        ? 'select count(*) as n from pg_stat_activity where left(application_name, length($1)) = $1 and pid <> pg_backend_pid()'
        : 'select count(*) as n from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()',
      [applicationName],
    );
    return Number(result.rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.#client?.end().catch(() => undefined);
    this.#client = undefined;
  }

  async #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client({ connectionString: this.#url, application_name: 'polecat-chaos-admin', connectionTimeoutMillis: 5000 });
    client.on('error', () => this.#drop());
    await client.connect();
    this.#client = client;
    return client;
  }

  #drop(): void {
    const client = this.#client;
    this.#client = undefined;
    client?.end().catch(() => undefined);
  }
}
