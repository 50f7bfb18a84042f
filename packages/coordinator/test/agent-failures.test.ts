import { describe, expect, it } from 'vitest';
import type { CoordinatorEvents } from '../src/index';
import { disposeAfterEach } from './fakes/dispose-after-each';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const track = disposeAfterEach();

/** One set with one shard on a harness node, and the `agentFailed` events it emits. */
function failingShard(healthCheckPollingTimeMs: number, agentFailuresBeforeHandOver: number) {
  const sets = setsOf(['A']);
  const h = track(harness(sets, { settings: { healthCheckPollingTimeMs, agentFailuresBeforeHandOver } }));
  const failed: CoordinatorEvents['agentFailed'][] = [];
  h.coordinator.on('agentFailed', (event) => failed.push(event));
  return { h, shard: sets[0]!.names[0]!, failed };
}

describe('an agent that keeps failing is a state of its own', () => {
  it('emits agentFailed with the error and its consecutive count, and backs its restarts off exponentially', async () => {
    const { h, shard, failed } = failingShard(1000, 0);
    await h.start();
    const boom = new Error('boom');
    h.daemon().pause(shard, h.clock.now(), boom);
    await h.cycle();
    expect(failed).toEqual([expect.objectContaining({ error: boom, failures: 1, retryInMs: 1000, handOver: false })]);
    h.clock.advance(1001);
    await h.cycle(); // restarted after 1 s
    expect(h.daemon().starts).toHaveLength(2);
    h.daemon().pause(shard, h.clock.now(), boom);
    await h.cycle();
    expect(failed.at(-1)).toMatchObject({ failures: 2, retryInMs: 2000 });
    h.clock.advance(1001);
    await h.cycle();
    expect(h.daemon().starts).toHaveLength(2); // the second restart waits 2 s, not 1 s
    h.clock.advance(1000);
    await h.cycle();
    expect(h.daemon().starts).toHaveLength(3);
  });

  it('a crash loop counts its failures across restarts (an agent seen running a moment after each restart has not recovered)', async () => {
    const { h, shard, failed } = failingShard(1000, 0);
    await h.start();
    for (let failure = 1; failure <= 5; failure++) {
      h.daemon().pause(shard, h.clock.now(), new Error('boom'));
      await h.cycle();
      expect(failed.at(-1)?.failures).toBe(failure);
      h.clock.advance(failed.at(-1)!.retryInMs + 1000); // well past the restart step
      await h.cycle(); // restarted
      await h.cycle(); // seen running, then it crashes again
    }
    expect(h.coordinator.health().reasons).toEqual([expect.objectContaining({ code: 'AGENTS_FAILING', count: 5 })]);
  });

  it('an agent that has run for a while after its restart (max(healthCheckPollingTimeMs, the restart delay)) has recovered: the count starts again', async () => {
    const { h, shard, failed } = failingShard(1000, 0);
    await h.start();
    for (let failure = 1; failure <= 2; failure++) {
      h.daemon().pause(shard, h.clock.now(), new Error('boom'));
      await h.cycle();
      h.clock.advance(failed.at(-1)!.retryInMs + 1);
      await h.cycle(); // restarted
    }
    expect(h.daemon().starts).toHaveLength(3);
    await h.cycle(); // seen running
    h.clock.advance(1999); // the last restart delay was 2 s
    await h.cycle();
    expect(h.coordinator.health().status).not.toBe('healthy');
    h.clock.advance(1);
    await h.cycle();
    expect(h.coordinator.health().status).toBe('healthy');
    h.daemon().pause(shard, h.clock.now(), new Error('boom'));
    await h.cycle();
    expect(failed.at(-1)?.failures).toBe(1);
  });

  it('reports AGENTS_FAILING (shard, count, last error, since) and is not ready while every agent fails', async () => {
    const sets = setsOf(['A']);
    const shard = sets[0]!.names[0]!;
    const h = track(harness(sets, { settings: { agentFailuresBeforeHandOver: 0 } }));
    await h.start();
    expect(h.coordinator.health().status).toBe('healthy');
    const since = h.clock.now();
    h.daemon().pause(shard, since, new Error('projection table missing'));
    await h.cycle();
    const health = h.coordinator.health();
    expect(health.status).toBe('unhealthy');
    expect(health.ready).toBe(false);
    expect(health.reasons).toEqual([
      expect.objectContaining({
        code: 'AGENTS_FAILING',
        shards: [`main/${shard.identity}`],
        count: 1,
        since,
        message: expect.stringContaining('projection table missing'),
      }),
    ]);
  });

  it('hands the set to another node after agentFailuresBeforeHandOver consecutive failures, and backs off here', async () => {
    const sets = setsOf(['A']);
    const shard = sets[0]!.names[0]!;
    const h = track(harness(sets, { settings: { healthCheckPollingTimeMs: 10, agentFailuresBeforeHandOver: 2 } }));
    await h.start();
    h.daemon().pause(shard, h.clock.now());
    await h.cycle();
    h.clock.advance(11);
    await h.cycle(); // restarted
    h.daemon().pause(shard, h.clock.now());
    await h.cycle(); // second failure in a row: handed over
    expect(h.distributor.calls).toContain(`release(${sets[0]!.key})`);
    expect(h.named('lockReleased')).toEqual([expect.objectContaining({ reason: 'agents-failing' })]);
    await h.cycle();
    expect(h.daemon().starts).toHaveLength(2); // backed off: another node goes first
  });

  it('the only node takes a set handed over for failing back: the count goes on and AGENTS_FAILING does not flap', async () => {
    const { h, shard, failed } = failingShard(1000, 2);
    await h.start();
    for (let failure = 1; failure <= 4; failure++) {
      h.daemon().pause(shard, h.clock.now(), new Error('boom'));
      await h.cycle();
      expect(failed.at(-1)?.failures).toBe(failure);
      for (let step = 0; step < 4 && h.daemon().starts.length <= failure; step++) {
        expect(h.coordinator.health().reasons.map((reason) => reason.code)).toContain('AGENTS_FAILING');
        h.clock.advance(failed.at(-1)!.retryInMs / 2);
        await h.cycle(); // released and taken back here (no other node), restarted after its backoff
      }
      expect(h.daemon().starts).toHaveLength(failure + 1);
    }
    expect(failed.map((event) => event.handOver)).toEqual([false, true, true, true]);
  });
});
