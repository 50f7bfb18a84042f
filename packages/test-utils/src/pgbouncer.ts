import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** Where Debian's `pgbouncer` package puts the binary. */
const PGBOUNCER_PATHS = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'];

/** A PgBouncer started by a test. */
export interface PgBouncer {
  readonly port: number;
  /** `postgres://<user>@127.0.0.1:<port>/<database>` through the pooler. */
  readonly url: string;
  /** The pooler's log so far (for failure messages). */
  log(): string;
  /**
   * Backend pids of the pooler's server connections now (`SHOW SERVERS` on the admin console,
   * column `remote_pid`): where locks taken through the pooler would stay after its clients left.
   */
  serverPids(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Options of {@link startPgBouncer}. */
export interface PgBouncerOptions {
  /** The PostgreSQL URL to pool (trust auth): its host, port, user and database are used. */
  readonly url: string;
  /** `pool_mode`. */
  readonly mode: 'session' | 'transaction' | 'statement';
  /** The port to listen on (127.0.0.1): take it from your test's own range. */
  readonly port: number;
  /** `default_pool_size`: server connections per database/user pair. Default 4. */
  readonly poolSize?: number;
}

/**
 * The `pgbouncer` binary, or `undefined`. When it is missing and the process runs as root, it
 * is installed first with `apt-get install -y pgbouncer` (Debian; the package's service is not
 * started: tests start their own instance).
 */
export function findPgBouncer(installIfMissing = true): string | undefined {
  const found = (): string | undefined => PGBOUNCER_PATHS.find((path) => existsSync(path));
  if (found() === undefined && installIfMissing && process.getuid?.() === 0) {
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'pgbouncer'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 180_000,
    });
  }
  return found();
}

/**
 * Starts PgBouncer on 127.0.0.1:`port` in front of `url`'s server with `pool_mode = mode`, its
 * config in a temporary directory, trust auth; resolves once it accepts connections. As root it
 * runs as the `postgres` user (PgBouncer refuses to run as root). Throws when the binary is missing.
 */
export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  const binary = findPgBouncer();
  if (binary === undefined) throw new Error('pgbouncer is not installed (Debian package `pgbouncer`)');
  const target = new URL(options.url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, '')) || 'postgres';
  const user = decodeURIComponent(target.username) || 'postgres';
  const dir = mkdtempSync(join(tmpdir(), 'polecat-pgbouncer-'));
  chmodSync(dir, 0o777);
  const logFile = join(dir, 'pgbouncer.log');
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = host=${target.hostname} port=${target.port || '5432'} dbname=${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${options.port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      `logfile = ${logFile}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      `pool_mode = ${options.mode}`,
      `default_pool_size = ${options.poolSize ?? 4}`,
      `admin_users = ${user}`,
      'max_client_conn = 50',
      'server_reset_query = DISCARD ALL',
      '',
    ].join('\n'),
  );
  for (const file of ['userlist.txt', 'pgbouncer.ini']) chmodSync(join(dir, file), 0o644);
  const asRoot = process.getuid?.() === 0;
  const child: ChildProcess = spawn(binary, [...(asRoot ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const log = (): string => {
    const file = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    return `${file}${stderr}`.trim().split('\n').slice(-20).join('\n');
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}: ${log()}`);
    if (await accepts(options.port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`pgbouncer did not listen on ${options.port} within 10 s: ${log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const url = new URL(options.url);
  url.hostname = '127.0.0.1';
  url.port = String(options.port);
  const admin = new URL(url);
  admin.pathname = '/pgbouncer';
  return {
    port: options.port,
    url: url.toString(),
    log,
    serverPids: async () => {
      const client = new pg.Client({ connectionString: admin.toString() });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const { rows } = await client.query<{ database: string; remote_pid: string | number }>('SHOW SERVERS');
        return rows
          .filter((row) => row.database === database)
          .map((row) => Number(row.remote_pid))
          .filter((pid) => pid > 0);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Clients that keep a pooler busy (see {@link keepPoolerBusy}). */
export interface BusyClients {
  /** Statements the clients completed so far. */
  statements(): number;
  stop(): Promise<void>;
}

/**
 * Opens `clients` connections through `url` (a pooler) that each run `select pg_sleep(<sleepMs>)`
 * in a loop, one statement per transaction, as ordinary application clients do, so the pooler's
 * server connections are handed from client to client all the time. Errors are counted as
 * statements and the loop goes on. `applicationName` marks them in `pg_stat_activity`.
 */
export async function keepPoolerBusy(
  url: string,
  options: { readonly clients: number; readonly sleepMs?: number; readonly applicationName?: string },
): Promise<BusyClients> {
  const sleepSeconds = (options.sleepMs ?? 20) / 1000;
  let stopped = false;
  let statements = 0;
  const clients = await Promise.all(
    Array.from({ length: options.clients }, async () => {
      const client = new pg.Client({ connectionString: url, application_name: options.applicationName ?? 'busy-client' });
      client.on('error', () => undefined);
      await client.connect();
      return client;
    }),
  );
  const loops = clients.map(async (client) => {
    while (!stopped) {
      await client.query('select pg_sleep($1)', [sleepSeconds]).catch(() => new Promise((resolve) => setTimeout(resolve, 50)));
      statements += 1;
    }
  });
  return {
    statements: () => statements,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    },
  };
}
