/**
 * The statements of a PostgreSQL lock session. Every statement that can take or release a lock
 * carries the PID GUARD: it acts only when `pg_backend_pid()` equals the backend pid the session
 * proved dedicated at connect (`$proven`), and only when that backend holds exactly the number of
 * advisory locks this client took (`$expected`): more means another client took locks on the same
 * server session, fewer that someone released ours. A statement routed to another server session
 * (a transaction- or statement-mode pooler) therefore takes, keeps and releases nothing, and
 * reports the pid it ran on, so the session is refused with `UNSAFE_CONNECTION`.
 *
 * The guard is computed in a `FROM` subquery fenced with `OFFSET 0`, so it is evaluated once,
 * BEFORE any lock function of the same statement, and the lock functions sit behind `CASE`, whose
 * branches PostgreSQL evaluates in order.
 */

/**
 * Advisory locks (any form) this backend holds now. One read of `pg_locks`, which copies every
 * lock of the cluster: linear in the locks held server-wide (see {@link VERIFY_MISSING_SQL}).
 */
const HELD_BY_THIS_BACKEND = "select count(*)::int as c from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted";

/**
 * `$2` proven pid, `$3` expected held count: one row `g(pid, held, ok)`, evaluated first.
 */
const GUARD = `(select pg_backend_pid() as pid, h.c as held, pg_backend_pid() = $2::int and h.c = $3::int as ok from (${HELD_BY_THIS_BACKEND}) h offset 0) g`;

/**
 * Tries each key of `$1`, in order, when the guard holds; one row: the pid it ran on, the held
 * count before, whether the guard held, and the GRANTED positions (1-based) as one array (a
 * standby polling 10 000 taken keys every 500 ms parses an empty array instead of 10 000 rows).
 */
export const TRY_ACQUIRE_SQL = `select g.pid, g.held, g.ok, array(
  select t.n from unnest($1::bigint[]) with ordinality as t(k, n)
  where case when g.ok then pg_try_advisory_lock(t.k) else false end
) as n from ${GUARD}`;

/**
 * The positions (1-based) of the keys of `$1` this backend does NOT hold, as one array, with the
 * pid and the count of advisory locks this backend holds; one row. Only missing keys come back,
 * so verifying 10 000 held keys returns an empty array. A session-level bigint advisory lock
 * appears in pg_locks with the high 32 bits in `classid`, the low 32 bits in `objid` and
 * `objsubid = 1` (the two-int4 form uses `objsubid = 2`, not ours).
 *
 * `pg_locks` is read ONCE (the materialised `mine`, used for the count and the keys): it copies
 * every lock of the CLUSTER, so each read costs time linear in the locks held server-wide (about
 * 0.4 µs per lock; 10 000 locks: 4 ms), whatever the number of keys asked about.
 *
 * Written as `k not in (uncorrelated subquery)` so PostgreSQL builds ONE hashed SubPlan: the
 * planner estimates pg_locks at 1 row, so a join form gets a nested loop that compares every key
 * with every lock (measured: 10 000 keys x 10 000 locks = 7.5 s; this: 19 ms). The subquery never
 * yields NULL (classid and objid are set for advisory locks), so NOT IN is exact.
 */
export const VERIFY_MISSING_SQL = `with mine as materialized (
  select l.classid, l.objid, l.objsubid from pg_locks l where l.locktype = 'advisory' and l.pid = pg_backend_pid() and l.granted
)
select pg_backend_pid() as pid, (select count(*)::int from mine) as held, array(
  select t.n
  from unnest($1::bigint[]) with ordinality as t(k, n)
  where t.k not in (select (m.classid::bigint << 32) | m.objid::bigint from mine m where m.objsubid = 1)
) as n`;

/**
 * Whether ANY backend (this one included) holds each key as a granted session-level bigint
 * advisory lock in the CURRENT database (pg_locks lists every database of the cluster); one row:
 * the pid and the HELD positions (1-based) as one array. Takes nothing (no guard needed; the pid
 * is checked). The same hashed SubPlan over pg_locks as {@link VERIFY_MISSING_SQL}.
 */
export const PROBE_SQL = `select pg_backend_pid() as pid, array(
  select t.n
  from unnest($1::bigint[]) with ordinality as t(k, n)
  where t.k in (
    select (l.classid::bigint << 32) | l.objid::bigint
    from pg_locks l
    where l.locktype = 'advisory' and l.granted and l.objsubid = 1
      and l.database = (select d.oid from pg_database d where d.datname = current_database())
  )
) as n`;

/**
 * Waits for ONE key `$1` (`pg_advisory_lock`, session level) at most `$4` (text, `'250ms'`) when
 * the guard (`$2`, `$3`) holds: `lock_timeout` is set with `set_config(..., true)`, i.e. for this
 * statement's implicit transaction only, before the lock is requested. Times out with SQLSTATE
 * 55P03. A session advisory lock granted inside the statement outlives its transaction.
 */
export const WAIT_ACQUIRE_SQL = `select g.pid, g.held, g.ok,
  case when g.ok and set_config('lock_timeout', $4::text, true) is not null then pg_advisory_lock($1::bigint) is not null else false end as granted
from ${GUARD}`;

/**
 * Releases each key of `$1` once when the guard holds (`$2` pid, `$3` held count); one row. With
 * `$4` a channel, also announces it (`pg_notify($4, $5)`, `$5` the release reason or `''`) in the
 * SAME statement: PostgreSQL delivers the notice at commit, after the unlocks, so a listener that
 * wakes on it finds the locks free.
 */
export const RELEASE_SQL = `select g.pid, g.held, g.ok, (
  select count(*) from unnest($1::bigint[]) as t(k) where case when g.ok then pg_advisory_unlock(t.k) else false end
) as released, case when g.ok and $4::text is not null then pg_notify($4::text, $5::text) end as notified
from ${GUARD}`;

/**
 * Connect-time step 1 (changes nothing): the backend pid and the time right after the statement
 * ran (`clock_timestamp()`, as text so no precision is lost); any later statement on that backend
 * starts after it.
 */
export const WHO_AM_I_SQL = 'select pg_backend_pid() as pid, clock_timestamp()::text as at';

/**
 * Connect-time step 2, from a SECOND client of the same settings: the pid it was given, and
 * whether backend `$1` ran anything since `$2` (a timestamp from {@link WHO_AM_I_SQL}) or is
 * busy: under session pooling the lock's server session stays idle while the lock client is; under
 * transaction or statement pooling other clients are handed it (the second client included).
 */
export const SESSION_USED_SQL = `select pg_backend_pid() as pid, exists(
  select 1 from pg_stat_activity a
  where a.pid = $1::int and (a.state is distinct from 'idle' or a.query_start > $2::timestamptz)
) as used`;

/**
 * Guarded session settings (`$3` the proven pid): applies the settings the server knows
 * (`pg_settings`, so `tcp_user_timeout` is skipped on servers older than 12 instead of failing)
 * for the whole session, only on the proven backend. `$1`/`$2` are the names and values.
 */
export const SESSION_SETUP_SQL = `select pg_backend_pid() as pid, count(set_config(v.name, v.value, false)) as applied
from unnest($1::text[], $2::text[]) as v(name, value)
where case when pg_backend_pid() = $3::int then exists (select 1 from pg_settings s where s.name = v.name) else false end`;

/**
 * `LISTEN "<channel>"` only on backend `pid` (a `DO` block: LISTEN takes no guard of its own); on
 * any other backend it raises SQLSTATE `PCMOV` (see {@link MOVED_SQLSTATE}) and listens to nothing.
 * The channel is a validated identifier and the pid an integer, so the text is exact.
 */
export function guardedListenSql(channel: string, pid: number): string {
  if (!Number.isInteger(pid)) throw new Error(`not a backend pid: ${String(pid)}`);
  return `do $polecat$ begin
  if pg_backend_pid() <> ${pid} then raise exception using errcode = '${MOVED_SQLSTATE}', message = 'polecat: lock session moved to backend ' || pg_backend_pid(); end if;
  listen "${channel.replace(/"/g, '""')}";
end $polecat$`;
}

/** SQLSTATE a guarded `DO` block raises when it runs on another backend than the proven one. */
export const MOVED_SQLSTATE = 'PCMOV';
