import { systemClock, type Clock, type LockId } from '@polecat/app-lock';
import { PostgresAppLock } from '@polecat/app-lock-postgres';
import { OwnershipLedger } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { afterEach, expect, it } from 'vitest';
import { FAST_LOCK, createInProcessNode, eventually, randomScope, shardNames, type InProcessNode } from './support/in-process-node';

const SLOTS = 64; // the distributors' default maxNodes
const IDS = 2 * SLOTS; // every probe asks about the member slots and their leaving markers
const QUIET_MS = 10_000; // the distributors' quiet time after a release notice before probes narrow

await describePostgres('narrow membership probes on PostgreSQL', (url) => {
  let nodes: InProcessNode[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
  });

  it('a balanced, quiet node asks the server about the member slots (and their leaving markers) only; a release notice brings the full probe back and the sets over', async () => {
    const { daemonLockId, prefix } = randomScope();
    const shards = shardNames(prefix, 40);
    const ledger = new OwnershipLedger();
    let offset = 0; // the distributors' clock jumps over the quiet time instead of the test waiting it out
    const distributorClock: Clock = { now: () => systemClock.now() + offset, sleep: (ms, signal) => systemClock.sleep(ms, signal) };
    const probes = new Map<string, number[]>();
    const make = (id: string): InProcessNode => {
      const sizes: number[] = [];
      probes.set(id, sizes);
      const node = createInProcessNode({
        id: `${prefix}-${id}`,
        databases: [{ id: 'main', url }],
        shards,
        daemonLockId,
        ledger,
        distributorClock,
        settings: { leadershipPollingTimeMs: 200, stopDrainTimeoutMs: 2_000 },
        createLock: (database, applicationName) => {
          const lock = new PostgresAppLock(database.url, { ...FAST_LOCK, verifyIntervalMs: 0, applicationName });
          const probe = lock.probeLocks.bind(lock);
          lock.probeLocks = (ids: readonly LockId[], options) => {
            sizes.push(ids.length);
            return probe(ids, options);
          };
          return lock;
        },
      });
      nodes.push(node);
      return node;
    };
    const a = make('a');
    const b = make('b');
    await a.coordinator.start();
    await b.coordinator.start();
    await eventually(() => a.running().size === 20 && b.running().size === 20, 'balanced 20/20');

    offset += QUIET_MS;
    const before = probes.get('a')!.length;
    await eventually(() => probes.get('a')!.length >= before + 3, 'three more probes of a');
    const quiet = probes.get('a')!.slice(before + 1); // (the first may still be full: a notice within the quiet time)
    console.log(`[narrow-probe:postgres] ids per probe of a balanced node: ${quiet.join(', ')} (a full probe: ${IDS + 20})`);
    expect(quiet.every((size) => size === IDS)).toBe(true);

    const beforeStop = probes.get('a')!.length;
    const stoppedAt = performance.now();
    await b.stop(); // graceful: its releases send notices
    await eventually(() => a.running().size === 40, 'a runs all 40');
    console.log(`[narrow-probe:postgres] graceful stop -> 40 running on a in ${(performance.now() - stoppedAt).toFixed(0)} ms`);
    expect(
      probes
        .get('a')!
        .slice(beforeStop)
        .some((size) => size >= IDS + 20),
    ).toBe(true); // the full probe came back
    expect(ledger.findOverlaps()).toEqual([]);
  });
});
