import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';

/** A point of one metric: its attributes and value (a number, or a histogram's count/sum). */
export interface Point {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly value: number;
  readonly count?: number;
}

/** The SDK's in-memory exporter behind a periodic reader; `collect()` flushes and returns points by metric name. */
export function inMemoryMetrics(): {
  readonly provider: MeterProvider;
  collect(): Promise<Map<string, { unit: string; points: Point[] }>>;
  shutdown(): Promise<void>;
} {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  return {
    provider,
    async collect() {
      exporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, { unit: string; points: Point[] }>();
      for (const resource of exporter.getMetrics()) {
        for (const scope of resource.scopeMetrics) {
          for (const metric of scope.metrics) {
            const points = (metric.dataPoints as DataPoint<unknown>[]).map((point) => {
              const value = point.value;
              if (typeof value === 'number') return { attributes: point.attributes, value };
              const histogram = value as { count: number; sum?: number };
              return { attributes: point.attributes, value: histogram.sum ?? 0, count: histogram.count };
            });
            byName.set(metric.descriptor.name, { unit: metric.descriptor.unit, points });
          }
        }
      }
      return byName;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** Sum of a metric's points (counts for histograms) whose attributes include `where`. */
export function total(metrics: Map<string, { points: Point[] }>, name: string, where: Record<string, unknown> = {}): number {
  const points = metrics.get(name)?.points ?? [];
  return points
    .filter((point) => Object.entries(where).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, point) => sum + (point.count ?? point.value), 0);
}
