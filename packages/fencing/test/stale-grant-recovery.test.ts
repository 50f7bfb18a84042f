// A former owner's epoch grant can commit AFTER the current owner's (its lock was lost while the
// grant was in flight). The current owner still holds the lock but its epoch is no longer the
// newest, so every write it makes is refused. An agent that lets the StaleEpochError escape makes
// the coordinator hand the set over and grant a fresh epoch: writes resume, no manual restart.
import { InMemoryLockServer } from '@polecat/app-lock';
import { ProjectionCoordinator, createFunctionDaemonFactory, type AgentContext } from '@polecat/coordinator';
import { SingleTenantProjectionDistributor, shardName } from '@polecat/distributors';
import { afterEach, describe, expect, it } from 'vitest';
import { FencingEpochSource, InMemoryEpochStore, StaleEpochError } from '../src';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a late grant by a former owner (current owner refused)', () => {
  const coordinators: ProjectionCoordinator[] = [];
  afterEach(async () => {
    await Promise.all(coordinators.splice(0).map((coordinator) => coordinator.stop()));
  });

  async function run(options: { readonly rethrowStale: boolean }) {
    const store = new InMemoryEpochStore();
    const fencing = new FencingEpochSource({ store });
    const accepted: bigint[] = [];
    let refusals = 0;
    const agent = async ({ signal, database, shard, epoch }: AgentContext): Promise<void> => {
      const key = fencing.keyFor(database, shard)!;
      while (!signal.aborted) {
        try {
          store.assertCurrent(key, epoch!);
          accepted.push(epoch!);
        } catch (error) {
          if (!StaleEpochError.isStale(error)) throw error;
          refusals += 1;
          if (options.rethrowStale) throw error;
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        }
        await sleep(5);
      }
    };
    const server = new InMemoryLockServer();
    const coordinator = new ProjectionCoordinator({
      mode: 'HotCold',
      distributor: new SingleTenantProjectionDistributor({
        databases: [{ id: 'main' }],
        shards: [shardName('Ledger')],
        createLock: () => server.createLock({ owner: 'n1' }),
      }),
      daemonFor: createFunctionDaemonFactory(() => agent),
      epochs: fencing,
      // hour-long polls: the hand-over is driven by the agent's failure (it wakes the loop), not by polling
      settings: {
        leadershipPollingTimeMs: 3_600_000,
        takeoverPollingTimeMs: 3_600_000,
        healthCheckPollingTimeMs: 50,
        startFailureBackoff: { initialMs: 20, maxMs: 100 },
      },
    });
    coordinators.push(coordinator);
    const stops: string[] = [];
    coordinator.on('agentStopped', ({ reason }) => stops.push(reason));
    await coordinator.start();
    const owned = await coordinator.whenOwned(1, { timeoutMs: 5_000 });
    const firstEpoch = owned.owned[0]!.epoch!;
    await sleep(30);
    expect(accepted.length).toBeGreaterThan(0);

    // The former owner's late grant lands behind our back: the store's epoch passes ours.
    const set = (await coordinator.status()).owned[0]!;
    const late = await store.nextEpoch(fencing.keyFor('main', 'Ledger:All')!);
    expect(late).toBe(firstEpoch + 1n);
    expect(set.epoch).toBe(firstEpoch);
    const acceptedBefore = accepted.length;
    await sleep(600);
    return { coordinator, accepted, acceptedBefore, refusals, late, stops };
  }

  it('the coordinator hands the set over and re-grants: writes resume with a newer epoch', async () => {
    const { coordinator, accepted, acceptedBefore, refusals, late, stops } = await run({ rethrowStale: true });
    expect(refusals).toBeGreaterThanOrEqual(1);
    expect(stops).toContain('stale-epoch');
    const resumed = accepted.slice(acceptedBefore);
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.every((epoch) => epoch > late)).toBe(true);
    expect(coordinator.status().owned[0]!.epoch! > late).toBe(true);
  });

  it('control: an agent that swallows the refusal stays stuck (why the error must escape)', async () => {
    const { accepted, acceptedBefore, refusals, stops } = await run({ rethrowStale: false });
    expect(refusals).toBe(1);
    expect(accepted.length).toBe(acceptedBefore);
    expect(stops).not.toContain('stale-epoch');
  });
});
