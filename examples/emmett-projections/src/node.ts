// One node: runs both projections with @polecat/emmett until SIGTERM. Prints JSON lines.
import { emmettProjector, runEmmettProcessors } from '@polecat/emmett';
import { driverStats, tripTotals } from './projections';

const { url, id } = JSON.parse(process.argv[2] ?? '{}') as { url: string; id: string };
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ ...event, node: id, at: Date.now() })}\n`);

const emmett = await runEmmettProcessors({
  connectionString: url,
  applicationName: id,
  processors: [
    emmettProjector({ projection: tripTotals('trip_totals', 'trip_totals') }),
    emmettProjector({ projection: driverStats('driver_stats', 'driver_stats') }),
  ],
  pulling: { batchSize: 25, pullingFrequencyInMs: 20 },
  settings: { leadershipPollingTimeMs: 500 },
});
emmett.coordinator.on('agentStarted', ({ shard, epoch }) => say({ type: 'started', shard: shard.name, epoch: String(epoch) }));
emmett.coordinator.on('agentStopped', ({ shard, reason }) => say({ type: 'stopped', shard: shard.name, reason }));
say({ type: 'ready' });
process.once('SIGTERM', () => {
  void emmett.stop().then(() => process.exit(0));
});
process.stdin.on('close', () => process.exit(1)); // the parent went away
process.stdin.resume();
