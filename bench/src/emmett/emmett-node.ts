// One node process of the Emmett side by side: runs the projector and the reactor, either through
// @polecat/emmett (`ours`) or as plain Emmett 0.42 consumers with Emmett's own processor lock
// (`plain`: a standby tries the lock again every second until it gets it). JSON lines on stdout:
// `ready`, `started` / `stopped` per processor. SIGTERM stops it gracefully.
import { postgreSQLEventStoreConsumer, type PostgreSQLEventStoreConsumer } from '@event-driven-io/emmett-postgresql';
import { emmettProjector, emmettReactor, runEmmettProcessors } from '@polecat/emmett';
import pg from 'pg';
import { PROJECTION, REACTOR, logPosition, tripTotals, type LegDriven } from './projections';

/** What the harness passes as the one argument (JSON). */
export interface EmmettNodeConfig {
  readonly url: string;
  readonly id: string;
  readonly mode: 'ours' | 'plain';
  /** Plain: Emmett's `lock.timeoutSeconds` (undefined: Emmett's default, 300 s). */
  readonly leaseSeconds?: number;
  /**
   * When set, a `cpu` line every this many ms: this process's user + system CPU so far (ms) and the
   * statements it sent so far (every `pg.Client#query`: Emmett's, the fencing's, the lock's).
   */
  readonly cpuSampleMs?: number;
}

/** Plain: how often a standby retries Emmett's processor lock. */
export const PLAIN_RETRY_MS = 1000;

process.setMaxListeners(0); // plain Emmett adds SIGTERM/SIGINT listeners for every consumer it builds
const config = JSON.parse(process.argv[2] ?? '{}') as EmmettNodeConfig;
let queries = 0;
if (config.cpuSampleMs !== undefined) {
  // one pg copy serves Emmett, dumbo, the fencing and the lock: count at the client
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
    queries += 1;
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}
const say = (event: Record<string, unknown>): void =>
  void process.stdout.write(`${JSON.stringify({ ...event, node: config.id, at: performance.timeOrigin + performance.now() })}\n`);

let stop: () => Promise<void>;
if (config.mode === 'ours') {
  const emmett = await runEmmettProcessors({
    connectionString: config.url,
    applicationName: config.id,
    processors: [emmettProjector({ projection: tripTotals() }), emmettReactor<LegDriven>({ processorId: REACTOR, eachMessage: logPosition })],
    migrateSchema: false,
  });
  emmett.coordinator.on('agentStarted', ({ shard }) => say({ type: 'started', shard: shard.name }));
  emmett.coordinator.on('agentStopped', ({ shard }) => say({ type: 'stopped', shard: shard.name }));
  stop = () => emmett.stop();
} else {
  // Emmett's default acquisition policy ('fail'): a standby's start fails, and it tries again a
  // second later with a new consumer. (Emmett's 'retry' policy retries inside one open transaction
  // whose row lock on emt_processors blocks the owner's checkpoints: not usable by standbys.)
  const lock = config.leaseSeconds === undefined ? {} : { timeoutSeconds: config.leaseSeconds };
  const connectionOptions = { connectionString: config.url };
  const started = (shard: string) => ({ onStart: async () => say({ type: 'started', shard }) });
  const builders: ((consumer: PostgreSQLEventStoreConsumer<LegDriven>) => void)[] = [
    (consumer) => consumer.projector({ projection: tripTotals(), lock, connectionOptions, hooks: started(PROJECTION) }),
    (consumer) => consumer.reactor<LegDriven>({ processorId: REACTOR, eachMessage: logPosition, lock, connectionOptions, hooks: started(REACTOR) }),
  ];
  let stopping = false;
  const current = new Set<PostgreSQLEventStoreConsumer<LegDriven>>();
  const runs = builders.map(async (build) => {
    while (!stopping) {
      const consumer = postgreSQLEventStoreConsumer<LegDriven>({ connectionString: config.url });
      build(consumer);
      current.add(consumer);
      try {
        await consumer.start(); // resolves when the consumer stopped; rejects when the lock was not acquired
      } catch {
        // the lock is another node's
      }
      current.delete(consumer);
      await consumer.close().catch(() => undefined);
      if (!stopping) await new Promise((resolve) => setTimeout(resolve, PLAIN_RETRY_MS));
    }
  });
  stop = async () => {
    stopping = true;
    await Promise.all([...current].map((consumer) => consumer.stop().then(() => consumer.close())));
    await Promise.all(runs);
  };
}
say({ type: 'ready' });
if (config.cpuSampleMs !== undefined) {
  const sample = (): void => {
    const { user, system } = process.cpuUsage();
    say({ type: 'cpu', cpuMs: (user + system) / 1000, queries });
  };
  sample();
  setInterval(sample, config.cpuSampleMs).unref();
}
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
process.stdin.on('close', () => process.exit(1)); // the harness went away
process.stdin.resume();
