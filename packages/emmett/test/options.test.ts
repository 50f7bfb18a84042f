import { postgreSQLProjection } from '@event-driven-io/emmett-postgresql';
import { describe, expect, it } from 'vitest';
import { EmmettCoordinationError, emmettAgent, emmettProjector, emmettReactor, runEmmettProcessors } from '../src/index';
import { shardName } from '@polecat/polecat';

const projection = postgreSQLProjection({ name: 'trip:summaries', canHandle: ['TripEnded'], handle: async () => undefined });
const invalid = (error: unknown): boolean => EmmettCoordinationError.hasCode(error, 'INVALID_CONFIGURATION');

describe('emmettProjector / emmettReactor', () => {
  it('derive the shard from the projection name or processorId (":" becomes ".")', () => {
    expect(emmettProjector({ projection })).toEqual({ kind: 'projector', shard: 'trip.summaries', processorId: 'emt:processor:projector:trip:summaries' });
    expect(emmettProjector({ projection, shard: 'Trips', processorId: 'p1' })).toEqual({ kind: 'projector', shard: 'Trips', processorId: 'p1' });
    expect(emmettReactor({ processorId: 'notify:drivers', eachMessage: async () => undefined })).toEqual({
      kind: 'reactor',
      shard: 'notify.drivers',
      processorId: 'notify:drivers',
    });
  });

  it('refuse the options @polecat/emmett sets on every run, and what Emmett 0.42 would silently ignore', () => {
    const managed = [
      { startFrom: 'BEGINNING' },
      { truncateOnStart: true },
      { lock: { timeoutSeconds: 300 } },
      { processorInstanceId: 'x' },
      { connectionOptions: { connectionString: 'postgres://x' } },
    ];
    for (const extra of managed) expect(() => emmettProjector({ projection, ...(extra as object) })).toThrow(expect.toSatisfy(invalid));
    expect(() => emmettProjector({ projection: { ...projection, name: undefined } })).toThrow(expect.toSatisfy(invalid));
    const eachBatch = { processorId: 'r', eachBatch: async () => undefined } as unknown as Parameters<typeof emmettReactor>[0];
    expect(() => emmettReactor(eachBatch)).toThrow(expect.toSatisfy(invalid));
    expect(() => emmettReactor({ processorId: '', eachMessage: async () => undefined })).toThrow(expect.toSatisfy(invalid));
  });
});

describe('runEmmettProcessors', () => {
  it('rejects a non-PostgreSQL connection, no processors, duplicate shards and foreign processor objects before connecting', async () => {
    const one = emmettProjector({ projection });
    await expect(runEmmettProcessors({ connectionString: 'Server=x;Database=y', processors: [one] })).rejects.toSatisfy(invalid);
    await expect(runEmmettProcessors({ connectionString: 'postgres://127.0.0.1:1/x', processors: [] })).rejects.toSatisfy(invalid);
    await expect(runEmmettProcessors({ connectionString: 'postgres://127.0.0.1:1/x', processors: [one, emmettProjector({ projection })] })).rejects.toSatisfy(
      invalid,
    );
    const forged = { kind: 'projector', shard: 'x', processorId: 'x' } as const;
    await expect(runEmmettProcessors({ connectionString: 'postgres://127.0.0.1:1/x', processors: [forged] })).rejects.toSatisfy(invalid);
  });
});

describe('emmettAgent', () => {
  it('fails with MISSING_EPOCH when the coordinator gave no epoch (it never runs unfenced)', async () => {
    const agent = emmettAgent(emmettProjector({ projection }), { connectionString: 'postgres://127.0.0.1:1/x', fencingKeyFor: () => 'k' });
    const run = agent({ signal: new AbortController().signal, shard: shardName('trip.summaries'), database: { id: 'default' }, progress: () => {} });
    await expect(run).rejects.toSatisfy((error) => EmmettCoordinationError.hasCode(error, 'MISSING_EPOCH'));
  });

  it('returns at once when started with an aborted signal', async () => {
    const agent = emmettAgent(emmettProjector({ projection }), { connectionString: 'postgres://127.0.0.1:1/x', fencingKeyFor: () => 'k' });
    await expect(
      agent({ signal: AbortSignal.abort(), shard: shardName('trip.summaries'), database: { id: 'default' }, epoch: 1n, progress: () => {} }),
    ).resolves.toBeUndefined();
  });
});
