import { describe, expect, it } from 'vitest';
import { Network } from '../src/network';
import { seededRandom } from '../src/prng';
import { Scheduler, SIM_EPOCH_MS } from '../src/scheduler';

describe('Network', () => {
  it('holds messages sent during a partition and delivers them in order after the heal', async () => {
    const scheduler = new Scheduler();
    const network = new Network(scheduler, seededRandom(3));
    const channel = network.channel('a');
    const delivered: string[] = [];
    network.partition('a');
    network.up(channel, () => delivered.push(`first at ${Math.round(scheduler.elapsed)}`));
    network.up(channel, () => delivered.push(`second at ${Math.round(scheduler.elapsed)}`));
    scheduler.schedule('chaos', 1000, () => network.heal('a'));
    await scheduler.runUntil(SIM_EPOCH_MS + 500);
    expect(delivered).toEqual([]);
    await scheduler.runUntil(SIM_EPOCH_MS + 2000);
    expect(delivered).toEqual(['first at 1000', 'second at 1000']);
  });

  it('delays a lost message by a retransmission timeout, keeping the connection’s order', async () => {
    const scheduler = new Scheduler();
    const network = new Network(scheduler, seededRandom(3));
    network.setModel('a', { latencyMs: 1, jitterMs: 0, lossRate: 1 });
    const channel = network.channel('a');
    const delivered: number[] = [];
    network.down(channel, () => delivered.push(scheduler.elapsed));
    network.setModel('a', { latencyMs: 1, jitterMs: 0, lossRate: 0 });
    network.down(channel, () => delivered.push(scheduler.elapsed));
    await scheduler.runUntil(SIM_EPOCH_MS + 5000);
    expect(delivered).toHaveLength(2);
    expect(delivered[0]).toBeGreaterThanOrEqual(201);
    expect(delivered[1]).toBeGreaterThanOrEqual(delivered[0]!);
  });

  it('delivers nothing to a frozen node until it thaws', async () => {
    const scheduler = new Scheduler();
    const network = new Network(scheduler, seededRandom(3));
    const delivered: number[] = [];
    scheduler.freeze('a');
    network.down(network.channel('a'), () => delivered.push(scheduler.elapsed));
    scheduler.schedule('chaos', 300, () => scheduler.thaw('a'));
    await scheduler.runUntil(SIM_EPOCH_MS + 1000);
    expect(delivered).toEqual([300]);
  });
});
