// With a fencing epoch source, a set's lock is confirmed on its own session AFTER the epoch was
// taken and before any agent starts: a grant read after the server ended the session (a node
// frozen while it was in flight) must not run with an epoch newer than the live owner's.
import { SingleTenantProjectionDistributor, shardName, type ProjectionDistributor, type ProjectionSet } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import type { EpochSource } from '../src/epoch-source';
import { createFunctionDaemonFactory } from '../src/function-agent-daemon';
import { ProjectionCoordinator } from '../src/projection-coordinator';
import { recordingLogger } from './fakes/fixtures';
import { LateResetServer } from './fakes/late-reset-lock';

const NOT_CONFIRMED = 'lock not confirmed after its epoch was taken; not starting its agents';

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

/** Counts `confirmHeld` calls and the sets they carried. */
function counting(distributor: ProjectionDistributor): { distributor: ProjectionDistributor; calls: number[] } {
  const calls: number[] = [];
  const confirmHeld = distributor.confirmHeld!.bind(distributor);
  distributor.confirmHeld = (sets, options) => {
    calls.push(sets.length);
    return confirmHeld(sets, options);
  };
  return { distributor, calls };
}

describe('the lock is confirmed after the fencing epoch', () => {
  const coordinators: ProjectionCoordinator[] = [];
  afterEach(async () => {
    await Promise.all(coordinators.splice(0).map((coordinator) => coordinator.stop()));
  });

  it('a grant whose session the server ended before the epoch was taken starts no agent, while the new owner keeps the set', async () => {
    const server = new LateResetServer();
    const logger = recordingLogger();
    let epoch = 0n;
    let granted: ProjectionSet | undefined;
    let releaseGrant: () => void = () => {};
    const epochs: EpochSource = {
      async nextEpoch(set: ProjectionSet) {
        granted = set;
        // frozen while the epoch is granted: meanwhile the server ends the lock session and
        // another node takes the set (its own epoch comes later, so ours would be the newer one)
        await new Promise<void>((resolve) => (releaseGrant = resolve));
        epoch += 1n;
        return epoch;
      },
    };
    const started: bigint[] = [];
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({ databases: [{ id: 'main' }], shards: [shardName('A')], createLock: () => server.createLock('n1') }),
      daemonFor: createFunctionDaemonFactory(() => async ({ signal, epoch: given }) => {
        started.push(given!);
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      }),
      epochs,
      logger,
      settings: { leadershipPollingTimeMs: 20, takeoverPollingTimeMs: 10 },
    });
    coordinators.push(coordinator);
    await coordinator.start();
    await until(() => granted !== undefined);
    server.sessions.get('n1')!.kill(); // the reset reaches n1 only at its next request
    const other = server.createLock('n2');
    expect(await other.tryAttainLock(granted!.lockId)).toBe(true);
    releaseGrant();
    await until(() => started.length > 0 || logger.lines.some((line) => line.message === NOT_CONFIRMED));
    expect(started).toEqual([]); // no agent ran with the epoch taken across the session's end
    expect(coordinator.status().owned).toEqual([]);
    expect(server.holderOf(granted!.lockId)).toBe('n2');
    await other.dispose();
  });

  it('costs one confirmation round trip per acquisition batch with an epoch source, none without', async () => {
    const run = async (withEpochs: boolean): Promise<{ calls: number[]; verifies: number }> => {
      const server = new LateResetServer();
      const { distributor, calls } = counting(
        new SingleTenantProjectionDistributor({
          databases: [{ id: 'main' }],
          shards: ['A', 'B', 'C'].map((name) => shardName(name)),
          createLock: () => server.createLock('n1'),
        }),
      );
      let epoch = 0n;
      const epochs: EpochSource = { nextEpoch: async () => (epoch += 1n) };
      const coordinator = new ProjectionCoordinator({
        mode: 'HotCold',
        distributor,
        daemonFor: createFunctionDaemonFactory(() => async ({ signal }) => {
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        }),
        ...(withEpochs ? { epochs } : {}),
        settings: { leadershipPollingTimeMs: 20, takeoverPollingTimeMs: 10 },
      });
      coordinators.push(coordinator);
      await coordinator.start();
      const status = await coordinator.whenOwned(3, { timeoutMs: 5_000 });
      expect(status.owned).toHaveLength(3);
      return { calls, verifies: server.sessions.get('n1')!.requests.filter((kind) => kind === 'verify').length };
    };
    expect(await run(true)).toEqual({ calls: [3], verifies: 1 });
    expect(await run(false)).toEqual({ calls: [], verifies: 0 });
  });
});
