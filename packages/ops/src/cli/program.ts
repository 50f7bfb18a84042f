import { Command, InvalidArgumentError } from 'commander';
import type { ClusterSnapshot } from '../cluster-snapshot';
import { drainNode, pauseShard, resumeShard, undrainNode, type IntentChange } from '../intents-admin';
import { OpsError } from '../ops-error';
import { ensureOpsSchema } from '../ops-schema';
import { readPostgresClusterSnapshot } from '../postgres-cluster-snapshot';
import { startStatusServer, type StatusServerOptions } from '../web/status-server';
import { listenForReleases } from './release-notices';
import { connectionBackend, openPostgres, resolveConnection, withPostgres } from './connection';
import { readSqlServerStatus, sqlServerStatus } from './sql-server-status';
import { openSqlServer, withSqlServer } from './sql-server-connection';
import { ensureSqlServerOpsSchema } from '../sql-server/sql-server-ops-schema';
import { drainNodeOnSqlServer, pauseShardOnSqlServer, resumeShardOnSqlServer, undrainNodeOnSqlServer } from '../sql-server/sql-server-intents-admin';
import { formatClusterSnapshot } from './format-status';
import { registerTerminateCommand } from './terminate-command';

/** Where the CLI writes and what it reads (injectable for tests). */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Aborting it ends a long-running command (`status --web`). */
  readonly signal?: AbortSignal;
  /** What `polecat --version` (`-V`) prints; the bin passes the package's version. */
  readonly version?: string;
}

interface CommonOptions {
  readonly connection?: string;
  readonly schema?: string;
  readonly json?: boolean;
}

interface IntentOptions extends CommonOptions {
  readonly by?: string;
  readonly reason?: string;
  readonly force?: boolean;
}

interface StatusOptions extends CommonOptions {
  readonly web?: boolean;
  readonly shards?: string;
  readonly daemonLockId?: number;
  readonly storeSchema?: string;
  readonly port: number;
  readonly host: string;
  readonly interval: number;
}

const integer =
  (min: number) =>
  (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return parsed;
  };

const schemaOf = (options: CommonOptions): { schema?: string } => (options.schema === undefined ? {} : { schema: options.schema });

/** Builds the `polecat` command (commander). `run` parses and executes; see {@link runCli}. */
export function createProgram(io: CliIo): Command {
  const program = new Command()
    .name('polecat')
    .description('See and steer a Polecat cluster from its database.')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError();
  if (io.version !== undefined) program.version(io.version, '-V, --version', 'print the version of @polecat/ops');
  const common = (command: Command): Command =>
    command
      .option('-c, --connection <url>', 'database (postgres://... or a SQL Server connection string); default $POLECAT_CONNECTION or $DATABASE_URL')
      .option('--schema <name>', 'schema of the ops tables (default public; SQL Server: dbo)')
      .option('--json', 'print JSON for scripts');

  common(program.command('init [connection]').description('create the ops tables (idempotent, safe to race)')).action(
    async (positional: string | undefined, options: CommonOptions) => {
      const connection = resolveConnection(positional ?? options.connection, io.env);
      if (connectionBackend(connection) === 'postgres') await withPostgres(connection, (client) => ensureOpsSchema(client, schemaOf(options)));
      else await withSqlServer(connection, (pool) => ensureSqlServerOpsSchema(pool, schemaOf(options)));
      io.out(options.json === true ? `${JSON.stringify({ ok: true })}\n` : 'ops tables ready\n');
    },
  );

  common(program.command('status [connection]').description('every set, its holder and since when; live nodes; unheld sets; pauses and drains'))
    .option('--web', 'serve a live web page instead of printing once')
    .option('--port <port>', 'port of --web (0: any free port)', integer(0), 0)
    .option('--host <host>', 'address of --web', '127.0.0.1')
    .option('--interval <ms>', 'refresh of --web', integer(100), 1000)
    .option('--shards <list>', 'SQL Server only: shards to look for besides the registered ones, comma-separated (Trip,Day)')
    .option('--daemon-lock-id <n>', 'SQL Server only: the lock-id base', (value) => Number(value))
    .option('--store-schema <name>', 'SQL Server only: the store schema of the lock-id hash (default dbo)')
    .action(async (positional: string | undefined, options: StatusOptions) => {
      const connection = resolveConnection(positional ?? options.connection, io.env);
      if (connectionBackend(connection) === 'sql-server') {
        const input = {
          ...schemaOf(options),
          shards: (options.shards ?? '')
            .split(',')
            .map((shard) => shard.trim())
            .filter((shard) => shard.length > 0),
          ...(options.daemonLockId === undefined ? {} : { daemonLockId: options.daemonLockId }),
          ...(options.storeSchema === undefined ? {} : { storeSchema: options.storeSchema }),
        };
        if (options.web === true) {
          const pool = await openSqlServer(connection);
          await serveUntilAborted(() => readSqlServerStatus(pool, input), options, io).finally(() => pool.close().catch(() => undefined));
          return;
        }
        const snapshot = await sqlServerStatus({ connection, ...input });
        io.out(options.json === true ? `${JSON.stringify(snapshot, null, 2)}\n` : `${formatClusterSnapshot(snapshot)}\n`);
        return;
      }
      if (options.web === true) {
        const client = await openPostgres(connection);
        await serveUntilAborted(() => readPostgresClusterSnapshot(client, schemaOf(options)), options, io, await listenForReleases(client)).finally(() =>
          client.end().catch(() => undefined),
        );
        return;
      }
      const snapshot = await withPostgres(connection, (client) => readPostgresClusterSnapshot(client, schemaOf(options)));
      io.out(options.json === true ? `${JSON.stringify(snapshot, null, 2)}\n` : `${formatClusterSnapshot(snapshot)}\n`);
    });

  const intentCommand = (
    name: string,
    argument: string,
    description: string,
    act: (client: Parameters<typeof pauseShard>[0], target: string, options: IntentOptions) => Promise<IntentChange>,
    actOnSqlServer: (pool: Parameters<typeof pauseShardOnSqlServer>[0], target: string, options: IntentOptions) => Promise<IntentChange>,
  ): Command =>
    common(program.command(`${name} <${argument}>`).description(description))
      .option('--by <who>', 'who asks (recorded); default user@host')
      .option('--reason <text>', 'why (recorded, shown by status)')
      .action(async (target: string, options: IntentOptions) => {
        const connection = resolveConnection(options.connection, io.env);
        const change =
          connectionBackend(connection) === 'postgres'
            ? await withPostgres(connection, (client) => act(client, target, options))
            : await withSqlServer(connection, (pool) => actOnSqlServer(pool, target, options));
        io.out(options.json === true ? `${JSON.stringify(change)}\n` : `${name} ${change.target}: ${change.changed ? 'done' : 'already so'}\n`);
      });
  const request = (options: IntentOptions) => ({
    ...schemaOf(options),
    ...(options.by === undefined ? {} : { by: options.by }),
    ...(options.reason === undefined ? {} : { reason: options.reason }),
  });
  const pause = (options: IntentOptions) => ({ ...request(options), ...(options.force === true ? { force: true } : {}) });
  intentCommand(
    'pause',
    'shard',
    'pause a shard cluster-wide (shard identity, name or set key)',
    (client, target, options) => pauseShard(client, target, pause(options)),
    (pool, target, options) => pauseShardOnSqlServer(pool, target, pause(options)),
  ).option('--force', 'record it even if no node knows the shard yet');
  intentCommand(
    'resume',
    'shard',
    'lift a pause',
    (client, target, options) => resumeShard(client, target, request(options)),
    (pool, target, options) => resumeShardOnSqlServer(pool, target, request(options)),
  );
  intentCommand(
    'drain',
    'node',
    'hand every set of a node over; it takes none until undrain',
    (client, target, options) => drainNode(client, target, request(options)),
    (pool, target, options) => drainNodeOnSqlServer(pool, target, request(options)),
  );
  intentCommand(
    'undrain',
    'node',
    'let a drained node take sets again',
    (client, target, options) => undrainNode(client, target, request(options)),
    (pool, target, options) => undrainNodeOnSqlServer(pool, target, request(options)),
  );
  registerTerminateCommand(common(program.command('terminate <pid>')), io);
  return program;
}

/** Serves the live status page on `read` until the CLI's signal aborts (`status --web`). */
async function serveUntilAborted(
  read: () => Promise<ClusterSnapshot>,
  options: StatusOptions,
  io: CliIo,
  notices?: StatusServerOptions['notices'],
): Promise<void> {
  await read(); // fail now (schema missing, bad connection), not in the browser
  const server = await startStatusServer({
    read,
    port: options.port,
    host: options.host,
    intervalMs: options.interval,
    ...(notices === undefined ? {} : { notices }),
  });
  io.out(`polecat status: serving ${server.url} (Ctrl-C stops)\n`);
  await new Promise<void>((resolve) => {
    if (io.signal?.aborted === true) resolve();
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
}

/**
 * Runs the CLI on `argv` (without the node and script entries); resolves with the exit code:
 * 0 success, 2 bad input (unknown shard or node, missing schema, bad argument), 1 anything else.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // help and version print through configureOutput; a usage error was printed too
      return code === 'commander.helpDisplayed' || code === 'commander.help' || code === 'commander.version' ? 0 : 2;
    }
    if (OpsError.is(error)) {
      io.err(`polecat: ${error.code}: ${error.message}\n`);
      return error.code === 'QUERY_FAILED' ? 1 : 2;
    }
    io.err(`polecat: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
