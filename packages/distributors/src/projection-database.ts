/** One database whose shards are coordinated (a tenant database in multi-tenant setups). */
export interface ProjectionDatabase {
  /** Stable identifier, unique among the databases of one store (e.g. the tenant id). */
  readonly id: string;
  /** Schema (SQL Server) or schema name the store lives in; part of the lock-id hash. Default `dbo`. */
  readonly schema?: string;
}

/** The databases of a store: a fixed list, or a function re-read at every distribution build. */
export type DatabaseSource = readonly ProjectionDatabase[] | ((signal?: AbortSignal) => readonly ProjectionDatabase[] | Promise<readonly ProjectionDatabase[]>);
