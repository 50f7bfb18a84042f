import { describe, expect, it } from 'vitest';
import { analyzeLedger, type LedgerRow } from '../src/analyze';

const row = (id: number, shard: string, node: string, epoch: number, at: number): LedgerRow => ({ id, shard, node, pid: node === 'a' ? 1 : 2, epoch, at });
const options = { shards: ['s'], from: 0, to: 1000, gapThresholdMs: 100, finalWindowStart: 900 };

describe('analyzeLedger', () => {
  it('accepts a clean handover and measures the gap', () => {
    const result = analyzeLedger([row(1, 's', 'a', 1, 10), row(2, 's', 'a', 1, 50), row(3, 's', 'b', 2, 400), row(4, 's', 'b', 2, 950)], [], options);
    expect(result).toMatchObject({ interleavings: 0, sharedEpochs: 0, ownershipChanges: 1, shardsWithoutOwnerAtEnd: 0 });
    expect(result.worstGap).toEqual({ shard: 's', ms: 550 });
  });

  it('detects an interleaved stale write, an epoch shared by two processes, a wrong refusal and a dead shard', () => {
    const result = analyzeLedger(
      [row(1, 's', 'a', 1, 10), row(2, 's', 'b', 2, 20), row(3, 's', 'a', 1, 30), row(4, 's', 'a', 2, 40)],
      [{ shard: 's', epoch: 3, currentEpoch: 3 }],
      options,
    );
    expect(result.interleavings).toBe(1);
    expect(result.sharedEpochs).toBe(1);
    expect(result.wrongRefusals).toBe(1);
    expect(result.shardsWithoutOwnerAtEnd).toBe(1);
  });
});
