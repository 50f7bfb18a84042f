import { InMemoryLockServer } from '@polecat/app-lock';
import { MultiTenantedProjectionDistributor, shardName, type ProjectionDatabase } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { FunctionAgentDaemon, type AgentContext } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';

// Issue 9, item 2: a database removed from the list keeps its lock until its agents returned
// (before: its owner was disposed, releasing the lock, while they still ran).

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}

describe('issue 9: a removed database releases its lock only after its agents returned', () => {
  it('the tenant leaves the list while its agent finishes a long batch: another node cannot take it meanwhile', async () => {
    // one lock server per tenant database (as the original: one lock host per database)
    const servers = new Map<string, InMemoryLockServer>();
    const serverOf = (id: string): InMemoryLockServer => {
      if (!servers.has(id)) servers.set(id, new InMemoryLockServer());
      return servers.get(id)!;
    };
    let databases: ProjectionDatabase[] = [{ id: 't1' }, { id: 't2' }];
    const log: string[] = [];
    const finish = new Map<string, () => void>();
    const agent = ({ database }: AgentContext): Promise<void> => {
      log.push(`start ${database.id}`);
      return new Promise((resolve) =>
        finish.set(database.id, () => {
          log.push(`return ${database.id}`);
          resolve();
        }),
      );
    };
    const distributor = new MultiTenantedProjectionDistributor({
      databases: () => databases,
      shards: [shardName('Trip')],
      createLock: (database) => serverOf(database.id).createLock({ verifyIntervalMs: 0 }),
      maxNodes: 0,
    });
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor,
      daemonFor: (database) => new FunctionAgentDaemon({ database, agents: () => agent, drainTimeoutMs: 20 }),
      settings: { leadershipPollingTimeMs: 3_600_000, takeoverGraceMs: 0, stopDrainTimeoutMs: 50 },
    });
    cleanups.push(async () => {
      for (const release of finish.values()) release();
      await coordinator.dispose();
    });
    await coordinator.start();
    await coordinator.whenOwned(2, { timeoutMs: 3000 });
    const setOf = (id: string) => coordinator.status().owned.find((set) => set.databaseId === id)!;
    const lockIdT1 = setOf('t1').lockId;

    databases = [{ id: 't2' }];
    const cycled = new Promise<void>((resolve) => {
      const off = coordinator.on('cycle', () => (off(), resolve()));
    });
    coordinator.wake();
    await cycled;
    await tick(150); // far beyond stopDrainTimeoutMs: t1's agent still runs
    const rival = serverOf('t1').createLock();
    cleanups.push(() => rival.dispose());
    expect(await rival.tryAttainLock(lockIdT1)).toBe(false);
    expect(coordinator.status().draining).toMatchObject([{ databaseId: 't1', reason: 'vanished', lockHeld: true }]);

    finish.get('t1')!();
    await until(() => coordinator.status().draining.length === 0, 't1 drained');
    expect(await rival.tryAttainLock(lockIdT1)).toBe(true);
    expect(log).toEqual(expect.arrayContaining(['start t1', 'start t2', 'return t1']));
    expect(coordinator.status().owned.map((set) => set.databaseId)).toEqual(['t2']);
  });
});
