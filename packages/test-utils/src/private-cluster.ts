import { execFile } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries on the machine (Debian: /usr/lib/postgresql/<major>/bin), or `undefined`. */
export function findPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(root, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

/** Options of {@link PrivateCluster.start}. */
export interface PrivateClusterOptions {
  /** The server binaries' folder (see {@link findPostgresBin}). */
  readonly bin: string;
  readonly port: number;
  /** The addresses it listens on (e.g. 127.0.0.1 and a veth address). */
  readonly listen: readonly string[];
  /** `max_connections`. Default 300. */
  readonly maxConnections?: number;
  /** Prefix of the temporary folder's name. Default `polecat-pg-`. */
  readonly dirPrefix?: string;
}

/**
 * A PostgreSQL cluster of a run's own (chaos, bench): `initdb` into a temporary folder and
 * `pg_ctl`, on a port of the run's range, so it can be restarted mid-run, or configured (e.g.
 * `max_connections`), without touching the shared server. As root it runs as the `postgres` user
 * (initdb refuses root). Trust auth for the listen addresses. Durability off (`fsync=off`).
 */
export class PrivateCluster {
  readonly port: number;
  readonly dir: string;
  readonly #bin: string;
  readonly #asRoot: boolean;
  readonly #listen: readonly string[];
  readonly #maxConnections: number;

  private constructor(bin: string, dir: string, port: number, listen: readonly string[], maxConnections: number) {
    this.#bin = bin;
    this.dir = dir;
    this.port = port;
    this.#listen = listen;
    this.#maxConnections = maxConnections;
    this.#asRoot = process.getuid?.() === 0;
  }

  /** Creates and starts the cluster. */
  static async start(options: PrivateClusterOptions): Promise<PrivateCluster> {
    const maxConnections = options.maxConnections ?? 300;
    if (!Number.isInteger(maxConnections) || maxConnections < 1)
      throw new Error(`maxConnections must be a positive integer, got ${String(options.maxConnections)}`);
    const dir = mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'polecat-pg-'));
    chmodSync(dir, 0o777);
    const cluster = new PrivateCluster(options.bin, dir, options.port, options.listen, maxConnections);
    await cluster.#pg('initdb', ['-D', cluster.#data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    // trust for every listen address of the run (initdb's default covers the loopback only)
    const hba = options.listen.filter((address) => address !== '127.0.0.1').map((address) => `host all all ${subnet30(address)}/30 trust\n`);
    if (hba.length > 0) appendFileSync(join(cluster.#data, 'pg_hba.conf'), hba.join(''));
    await cluster.#ctl(['start', '-w', '-t', '60']);
    return cluster;
  }

  get #data(): string {
    return join(this.dir, 'data');
  }

  /** `postgres://postgres@<host>:<port>/<database>`. */
  url(database: string, host = '127.0.0.1'): string {
    return `postgres://postgres@${host}:${this.port}/${database}`;
  }

  /** `pg_ctl restart -m fast`: every session is ended; resolves when the server accepts connections again. */
  async restart(): Promise<void> {
    await this.#ctl(['restart', '-m', 'fast', '-w', '-t', '60']);
  }

  /** Stops the server (immediate) and removes its folder. Never throws. */
  async destroy(): Promise<void> {
    await this.#ctl(['stop', '-m', 'immediate', '-w', '-t', '30']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  #ctl(args: readonly string[]): Promise<void> {
    const options = [
      `-p ${this.port}`,
      `-c listen_addresses='${this.#listen.join(',')}'`,
      "-c unix_socket_directories=''",
      `-c max_connections=${this.#maxConnections}`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c shared_buffers=32MB',
    ].join(' ');
    return this.#pg('pg_ctl', ['-D', this.#data, '-l', join(this.dir, 'server.log'), '-o', options, ...args]);
  }

  async #pg(tool: string, args: readonly string[]): Promise<void> {
    const binary = join(this.#bin, tool);
    if (this.#asRoot) await run('runuser', ['-u', 'postgres', '--', binary, ...args], { timeout: 120_000 });
    else await run(binary, [...args], { timeout: 120_000 });
  }
}

/** The /30 network of an IPv4 address (`198.18.94.1` -> `198.18.94.0`). */
function subnet30(address: string): string {
  const parts = address.split('.').map(Number);
  parts[3] = Math.floor((parts[3] ?? 0) / 4) * 4;
  return parts.join('.');
}
