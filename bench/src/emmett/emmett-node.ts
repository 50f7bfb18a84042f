// One node process of the Emmett side by side: runs the projector and the reactor, either through
// @polecat/emmett (`ours`) or as plain Emmett 0.42 consumers with Emmett's own processor lock
// (`plain`: a standby retries the lock every second until it gets it). JSON lines on stdout:
// `ready`, `started` / `stopped` per processor. SIGTERM stops it gracefully.
import { postgreSQLEventStoreConsumer, type PostgreSQLEventStoreConsumer } from '@event-driven-io/emmett-postgresql';
import { emmettProjector, emmettReactor, runEmmettProcessors } from '@polecat/emmett';
import { PROJECTION, REACTOR, logPosition, tripTotals, type LegDriven } from './projections';

/** What the harness passes as the one argument (JSON). */
export interface EmmettNodeConfig {
  readonly url: string;
  readonly id: string;
  readonly mode: 'ours' | 'plain';
  /** Plain: Emmett's `lock.timeoutSeconds` (undefined: Emmett's default, 300 s). */
  readonly leaseSeconds?: number;
}

/** Plain: how often a standby retries Emmett's processor lock. */
export const PLAIN_RETRY_MS = 1000;

const config = JSON.parse(process.argv[2] ?? '{}') as EmmettNodeConfig;
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ ...event, node: config.id, at: performance.timeOrigin + performance.now() })}\n`);

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
  const lock = {
    acquisitionPolicy: { type: 'retry', retries: 100_000, minTimeout: PLAIN_RETRY_MS, maxTimeout: PLAIN_RETRY_MS },
    ...(config.leaseSeconds === undefined ? {} : { timeoutSeconds: config.leaseSeconds }),
  } as const;
  const started = (shard: string) => ({ onStart: async () => say({ type: 'started', shard }) });
  const consumers: PostgreSQLEventStoreConsumer[] = [];
  const projectorConsumer = postgreSQLEventStoreConsumer<LegDriven>({ connectionString: config.url });
  projectorConsumer.projector({ projection: tripTotals(), lock, hooks: started(PROJECTION) });
  const reactorConsumer = postgreSQLEventStoreConsumer<LegDriven>({ connectionString: config.url });
  reactorConsumer.reactor<LegDriven>({ processorId: REACTOR, eachMessage: logPosition, lock, hooks: started(REACTOR) });
  consumers.push(projectorConsumer, reactorConsumer);
  for (const consumer of consumers) void consumer.start().catch((error: unknown) => say({ type: 'error', error: String(error) }));
  stop = async () => {
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await Promise.all(consumers.map((consumer) => consumer.close()));
  };
}
say({ type: 'ready' });
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
