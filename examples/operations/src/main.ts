// Operations in one process: OpenTelemetry metrics (read with the SDK's in-memory exporter here;
// in production an OTLP or Prometheus exporter), /healthz and /readyz, an agent that stops
// reporting progress and is restarted, and pino logging one JSON line per ownership change.
// In memory by default; with DATABASE_URL (e.g. `pnpm --filter @polecat/example-operations start:pg`) on that database.
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { runShards } from '@polecat/polecat';
import { serveHealth } from '@polecat/polecat/node';
import { METRIC_NAMES, instrumentCoordinator } from '@polecat/polecat/otel';
import { pino } from 'pino';

const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
const meterProvider = new MeterProvider({ readers: [reader] }); // or metrics.setGlobalMeterProvider(...)
const logger = pino({ level: 'info' });

let stuckRuns = 0;
const coordinator = await runShards({
  connection: process.env.DATABASE_URL ?? { backend: 'memory' },
  shards: {
    // reports progress after every batch: never stalled
    Trip: async ({ signal, progress }) => {
      for (let batch = 1; !signal.aborted; batch++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        progress(batch); // the position is optional (a checkpoint, an offset)
      }
    },
    // the first run gets stuck (no progress, but it honours its signal); the restarted run works
    Stuck: async ({ signal, progress }) => {
      stuckRuns += 1;
      if (stuckRuns === 1) {
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return;
      }
      while (!signal.aborted) {
        progress();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  },
  settings: { leadershipPollingTimeMs: 500, stallTimeoutMs: 400, stallAction: 'restart' },
  logger, // pino: one JSON line per ownership change ("ownership changed", shard names)
});
const metrics = instrumentCoordinator(coordinator, { meterProvider, attributes: { 'polecat.store': 'default' } });
coordinator.on('agentStalled', ({ shard, stalledForMs }) => console.log(`stalled: ${shard.identity} (no progress for ${stalledForMs} ms)`));
const health = await serveHealth({ coordinators: [coordinator], port: 0, host: '127.0.0.1' });

await coordinator.whenOwned(2, { timeoutMs: 15_000 });
const deadline = Date.now() + 15_000;
while (stuckRuns < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
await coordinator.whenOwned(2, { timeoutMs: 15_000 });

for (const path of ['/healthz', '/readyz']) {
  const response = await fetch(`http://127.0.0.1:${health.port}${path}`);
  const body = (await response.json()) as { status: string };
  console.log(`GET ${path} -> ${response.status} (${body.status})`);
}

await reader.forceFlush();
const names = new Set<string>(Object.values(METRIC_NAMES));
for (const metric of exporter.getMetrics().flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))) {
  if (!names.has(metric.descriptor.name)) continue;
  const values = metric.dataPoints.map((point) => (typeof point.value === 'number' ? point.value : `count ${(point.value as { count: number }).count}`));
  console.log(`${metric.descriptor.name} [${metric.descriptor.unit}]: ${values.join(', ')}`);
}

metrics.dispose();
await health.close();
await coordinator.stop();
await meterProvider.shutdown();
const ok = stuckRuns === 2;
console.log(ok ? 'the stuck agent was reported stalled and restarted' : `expected a restart of the stuck agent (runs: ${stuckRuns})`);
process.exit(ok ? 0 : 1);
