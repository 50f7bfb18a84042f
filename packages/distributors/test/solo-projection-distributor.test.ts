import { LockLostError } from '@polecat/app-lock';
import { recordingLogger } from '@polecat/test-utils';
import { describe, expect, it } from 'vitest';
import { DistributorError } from '../src/errors';
import type { ProjectionDatabase } from '../src/projection-database';
import { shardName } from '../src/shard-name';
import { SoloProjectionDistributor } from '../src/solo-projection-distributor';
import { seededRandom } from './support';

const shards = [shardName('Trip'), shardName('Day')];

describe('SoloProjectionDistributor', () => {
  it('builds one set per database with all shards and holds everything without locks', async () => {
    const distributor = new SoloProjectionDistributor({ databases: [{ id: 'a' }, { id: 'b' }], shards, random: seededRandom(1) });
    const sets = await distributor.buildDistribution();
    expect(distributor.kind).toBe('solo');
    expect(sets).toHaveLength(2);
    for (const set of sets) {
      expect(set.names).toEqual(shards);
      expect(set.lockId).toBe(4444);
      expect(set.key).toBe(`${set.database.id}/4444`);
      expect(distributor.hasLock(set)).toBe(true);
      expect(await distributor.tryAttain(set)).toBe(true);
    }
    expect(await distributor.tryAttainMany(sets)).toEqual(new Set(sets.map((s) => s.key)));
    await distributor.release(sets[0]!);
    await distributor.releaseAll();
    expect(distributor.hasLock(sets[0]!)).toBe(true);
    await distributor.dispose();
  });

  it('has no random wait and never reports losses', async () => {
    let calls = 0;
    const distributor = new SoloProjectionDistributor({ databases: [{ id: 'a' }], shards, random: () => (calls++, 0.9) });
    await distributor.randomWait();
    expect(calls).toBe(0);
    const unsubscribe = distributor.onSetsLost(() => {
      throw new Error('never');
    });
    unsubscribe();
    await distributor.dispose();
  });

  it('lock signals stay open until the database leaves or the distributor is disposed', async () => {
    let databases: ProjectionDatabase[] = [{ id: 'a' }, { id: 'b' }];
    const logger = recordingLogger();
    const distributor = new SoloProjectionDistributor({ databases: () => databases, shards, logger });
    const sets = await distributor.buildDistribution();
    const setA = sets.find((s) => s.database.id === 'a')!;
    const setB = sets.find((s) => s.database.id === 'b')!;
    const signalA = distributor.lockSignal(setA)!;
    const signalB = distributor.lockSignal(setB)!;
    expect(distributor.lockSignal(setA)).toBe(signalA);
    await distributor.release(setA);
    expect(signalA.aborted).toBe(false);

    databases = [{ id: 'a' }];
    await distributor.buildDistribution();
    expect(signalB.aborted).toBe(true);
    expect(LockLostError.isLockLost(signalB.reason)).toBe(true);
    expect(signalA.aborted).toBe(false);
    expect(logger.lines.some((l) => l.context?.database === 'b')).toBe(true);

    await distributor.dispose();
    await distributor[Symbol.asyncDispose]();
    expect(signalA.aborted).toBe(true);
    expect(distributor.hasLock(setA)).toBe(false);
    expect(distributor.lockSignal(setA)).toBeUndefined();
    await expect(distributor.buildDistribution()).rejects.toSatisfy((e) => DistributorError.hasCode(e, 'DISPOSED'));
  });

  it('validates its configuration', () => {
    expect(() => new SoloProjectionDistributor({ databases: [{ id: 'a' }], shards: [shards[0]!, shards[0]!] })).toThrow(DistributorError);
  });
});
