// The coordinator's metrics through the real OpenTelemetry SDK and Prometheus exporter (text format).
import { InMemoryLockServer } from '@polecat/app-lock';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createFunctionDaemonFactory } from '../src/function-agent-daemon';
import { instrumentCoordinator } from '../src/otel';
import { ProjectionCoordinator } from '../src/projection-coordinator';

const stops: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((stop) => stop()));
});

async function scrape(exporter: PrometheusExporter): Promise<string> {
  const { resourceMetrics } = await exporter.collect();
  return new PrometheusSerializer().serialize(resourceMetrics);
}

describe('@polecat/coordinator/otel through the Prometheus exporter', () => {
  it('has second buckets per histogram, counters from the start, the meter version, and failures by shard and error.type', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const provider = new MeterProvider({ readers: [exporter] });
    stops.push(() => provider.shutdown());
    let calls = 0;
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: 'main' }],
        shards: [shardName('Trip')],
        createLock: () => new InMemoryLockServer().createLock(),
        random: () => 0,
      }),
      daemonFor: createFunctionDaemonFactory(() => async () => {
        calls += 1;
        throw Object.assign(new Error('projection table missing'), { code: '42P01' });
      }),
      settings: { leadershipPollingTimeMs: 20, takeoverGraceMs: 0, agentPauseTimeMs: 10, healthCheckPollingTimeMs: 10, agentFailuresBeforeHandOver: 0 },
      logger: false,
    });
    stops.push(() => coordinator.stop());
    instrumentCoordinator(coordinator, { meterProvider: provider });

    const before = await scrape(exporter);
    expect(before).toMatch(/polecat_coordinator_takeovers(_total)?\{[^}]*polecat_takeover_cause="orphaned"[^}]*\} 0/);
    expect(before).toMatch(/polecat_coordinator_agent_failures(_total)?(\{[^}]*\})? 0/);
    expect(before).toContain('otel_scope_version="1.1.0"');

    await coordinator.start();
    await expect.poll(() => calls, { timeout: 5000 }).toBeGreaterThanOrEqual(1);
    await expect
      .poll(async () => scrape(exporter), { timeout: 5000 })
      .toMatch(/polecat_coordinator_agent_failures(_total)?\{[^}]*error_type="42P01"[^}]*\} [1-9]/);
    const text = await scrape(exporter);
    expect(text).toMatch(/polecat_coordinator_agent_failures(_total)?\{[^}]*polecat_shard="main\/Trip:All"/);
    // buckets in seconds: a cycle of some ms lands below 1 s, not only in the SDK's default le="5"
    expect(text).toMatch(/polecat_coordinator_cycle_duration(_seconds)?_bucket\{[^}]*le="1"[^}]*\} [1-9]/);
    expect(text).not.toMatch(/polecat_coordinator_cycle_duration(_seconds)?_bucket\{[^}]*le="10000"/);
    expect(text).toMatch(/polecat_coordinator_lock_round_trip_duration(_seconds)?_bucket\{[^}]*le="0.005"/);
  });
});
