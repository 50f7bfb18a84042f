/**
 * The part of `pg` this package uses, declared structurally so the core needs no `pg` import: a
 * `pg.Pool`, `pg.Client` or `pg.PoolClient` fits. Only `$1`-style parameterised queries are sent.
 */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<{ readonly rows: readonly unknown[] }>;
}
