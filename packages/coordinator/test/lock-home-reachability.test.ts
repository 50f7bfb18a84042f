// A lock home (issue 13, part 2) that becomes unreachable: every tenant of the home is unreachable
// at once. The events stay per database (`databaseUnreachable`, health reasons), but the log says it
// ONCE per retry step for the home, not once per tenant (200 lines per step at 200 tenants).
import { InMemoryLockServer } from '@polecat/app-lock';
import { MultiTenantedProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, expect, it } from 'vitest';
import { createFunctionDaemonFactory, type AgentFunction } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { recordingLogger } from './fakes/fixtures';

const coordinators: ProjectionCoordinator[] = [];
afterEach(async () => {
  await Promise.all(coordinators.splice(0).map((coordinator) => coordinator.stop()));
});

const untilAborted: AgentFunction = ({ signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

it('an unreachable lock home: one warning per retry step for the home, per-database events; one line when it answers again', async () => {
  const server = new InMemoryLockServer();
  const tenants = Array.from({ length: 20 }, (_, i) => ({ id: `t${i}` }));
  const logger = recordingLogger();
  const coordinator = new ProjectionCoordinator({
    mode: 'HotCold',
    distributor: new MultiTenantedProjectionDistributor({
      databases: tenants,
      shards: [shardName('A')],
      lockHost: 'pool',
      createHomeLock: () => server.createLock({ owner: 'n1' }),
      random: () => 0,
    }),
    daemonFor: createFunctionDaemonFactory(() => untilAborted, { drainTimeoutMs: 2000 }),
    settings: { leadershipPollingTimeMs: 1000, takeoverPollingTimeMs: 50, takeoverGraceMs: 0 },
    logger,
  });
  coordinators.push(coordinator);
  const steps: string[] = [];
  coordinator.on('databaseUnreachable', ({ databaseId }) => steps.push(databaseId));
  server.setAvailable(false);
  await coordinator.start();
  const deadline = performance.now() + 10_000;
  while (steps.length < 3 * tenants.length && performance.now() < deadline) await sleep(5);
  expect(steps.length).toBeGreaterThanOrEqual(3 * tenants.length);
  expect(new Set(steps)).toEqual(new Set(tenants.map((tenant) => tenant.id))); // events: per database
  const warnings = logger.lines.filter((line) => line.level === 'warn' || line.level === 'error');
  expect(warnings.length).toBeGreaterThanOrEqual(3);
  expect(warnings.length).toBeLessThanOrEqual(Math.ceil(steps.length / tenants.length)); // one per step, not one per tenant
  for (const warning of warnings) {
    expect(warning.message).toBe('lock home unreachable; retrying with backoff');
    expect(warning.context).toMatchObject({ lockHost: 'pool', databases: 20 });
  }
  server.setAvailable(true);
  await coordinator.whenOwned(20, { timeoutMs: 5_000 });
  expect(logger.lines.filter((line) => line.message === 'lock home reachable again')).toHaveLength(1);
  expect(logger.lines.filter((line) => line.message === 'database reachable again')).toHaveLength(0);
  expect(coordinator.health().status).toBe('healthy');
});
