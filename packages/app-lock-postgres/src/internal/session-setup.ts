import type { ServerKeepAlive } from '../postgres-connection-config';

/** Linux defaults of the TCP keepalive settings, used when a setting is `0` ("system default"). */
const LINUX_DEFAULTS = { idleSeconds: 7200, intervalSeconds: 75, count: 9 } as const;

/** The server settings the lock session applies with `set_config` right after connecting. */
export function sessionSettings(keepAlive: ServerKeepAlive | false): [name: string, value: string][] {
  if (keepAlive === false) return [];
  const whole = (n: number): string => String(Math.max(0, Math.floor(n)));
  return [
    ['tcp_keepalives_idle', whole(keepAlive.idleSeconds)],
    ['tcp_keepalives_interval', whole(keepAlive.intervalSeconds)],
    ['tcp_keepalives_count', whole(keepAlive.count)],
    ['tcp_user_timeout', whole(userTimeoutMsOf(keepAlive))],
  ];
}

/** `tcp_user_timeout` of `keepAlive`: explicit, else the keepalive give-up time. */
export function userTimeoutMsOf(keepAlive: ServerKeepAlive): number {
  return keepAlive.userTimeoutMs ?? (Math.floor(keepAlive.idleSeconds) + Math.floor(keepAlive.intervalSeconds) * Math.floor(keepAlive.count)) * 1000;
}

/**
 * The EARLIEST time (ms) after the last exchange at which the server may drop a silent client and
 * free its locks, under `keepAlive`, with Linux semantics: without a user timeout, probes start
 * after `idle`, one every `interval`, and the connection drops after `count` unanswered ones; with
 * a user timeout (`tcp_user_timeout` > 0) the probe count is ignored and the connection drops once
 * data or probes stay unacknowledged that long (also data the server sent, e.g. a NOTIFY), so the
 * user timeout is the bound. `undefined` for `false` (the server's defaults, usually hours: slow,
 * but never early).
 */
export function serverReleaseMs(keepAlive: ServerKeepAlive | false): number | undefined {
  if (keepAlive === false) return undefined;
  const idle = Math.floor(keepAlive.idleSeconds) || LINUX_DEFAULTS.idleSeconds;
  const interval = Math.floor(keepAlive.intervalSeconds) || LINUX_DEFAULTS.intervalSeconds;
  const count = Math.floor(keepAlive.count) || LINUX_DEFAULTS.count;
  const userTimeoutMs = Math.floor(userTimeoutMsOf(keepAlive));
  return userTimeoutMs > 0 ? userTimeoutMs : (idle + interval * count) * 1000;
}

/**
 * Makes the session's backend check every second, while a statement runs, that its client is still
 * connected (`client_connection_check_interval`, PostgreSQL 14+; skipped where the server does not
 * know it). Without it a backend waiting for a lock notices a dead client only when the wait ends.
 * Servers on platforms without the needed kernel events refuse a non-zero value: the caller ignores
 * the error. Guarded: applied only on backend `$1` (the proven one).
 */
export const CLIENT_CHECK_SQL = `select set_config('client_connection_check_interval', '1000', false)
where case when pg_backend_pid() = $1::int then exists (select 1 from pg_settings where name = 'client_connection_check_interval') else false end`;
