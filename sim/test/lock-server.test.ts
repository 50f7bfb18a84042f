import { SessionAppLock, type LockLostEvent } from '@polecat/app-lock';
import { describe, expect, it } from 'vitest';
import { SimLockServer } from '../src/lock-server';
import { Network } from '../src/network';
import { seededRandom } from '../src/prng';
import { Scheduler } from '../src/scheduler';
import { SimLockDriver } from '../src/sim-lock-driver';

function world(keepAliveMs?: number) {
  const scheduler = new Scheduler();
  const network = new Network(scheduler, seededRandom(1));
  const server = new SimLockServer(scheduler, network, keepAliveMs === undefined ? {} : { keepAliveMs });
  const lockOf = (node: string): SessionAppLock<string> => {
    const clock = scheduler.clockFor(node);
    return new SessionAppLock(new SimLockDriver(server, node, clock), { clock, lostSessionHoldMs: 0 });
  };
  const run = (ms: number): Promise<void> => scheduler.runUntil(scheduler.now + ms);
  return { scheduler, network, server, lockOf, run };
}

/** Runs `work` to completion in virtual time. */
async function settle<T>(run: (ms: number) => Promise<void>, work: Promise<T>): Promise<T> {
  let done = false;
  const result = work.finally(() => {
    done = true;
  });
  for (let i = 0; i < 100 && !done; i++) await run(100);
  return result;
}

describe('SimLockServer (advisory-lock semantics)', () => {
  it('stacks a lock taken twice by one session: one unlock keeps it held', () => {
    const { server, network } = world();
    const a = server.open(network.channel('a'), () => undefined)!;
    const b = server.open(network.channel('b'), () => undefined)!;
    expect(server.tryLock(a, 'k')).toBe(true);
    expect(server.tryLock(a, 'k')).toBe(true);
    expect(server.tryLock(b, 'k')).toBe(false);
    expect(server.unlock(a, 'k')).toBe(true);
    expect(server.holds(a, 'k')).toBe(true);
    expect(server.unlock(a, 'k')).toBe(true);
    expect(server.isTaken('k')).toBe(false);
    expect(server.unlock(b, 'k')).toBe(false);
  });

  it('grants a waiting lock when the holder’s session ends, and times a wait out', async () => {
    const { server, network, run } = world();
    const a = server.open(network.channel('a'), () => undefined)!;
    const b = server.open(network.channel('b'), () => undefined)!;
    const c = server.open(network.channel('c'), () => undefined)!;
    server.tryLock(a, 'k');
    const outcomes: string[] = [];
    server.waitLock(b, 'k', 1000, (granted) => outcomes.push(`b ${granted}`));
    server.waitLock(c, 'k', 50, (granted) => outcomes.push(`c ${granted}`));
    await run(100);
    server.end(a, true);
    expect(outcomes).toEqual(['c false', 'b true']);
    expect(server.holderOf('k')).toBe(b);
  });

  it('ends sessions whose node stays partitioned past the keepalive, freeing their locks', async () => {
    const { server, network, run } = world(3000);
    const ended: string[] = [];
    const a = server.open(network.channel('a'), () => ended.push('a'))!;
    server.tryLock(a, 'k');
    network.partition('a');
    await run(2000);
    expect(server.isTaken('k')).toBe(true);
    await run(2000);
    expect(a.alive).toBe(false);
    expect(server.isTaken('k')).toBe(false);
    expect(ended).toEqual([]); // the reset reaches the node only once the partition heals
    network.heal('a');
    await run(10);
    expect(ended).toEqual(['a']);
  });

  it('sends the reset of a killed session after its earlier replies; until it arrives the node counts as revoked-unheard', async () => {
    const { server, network, run } = world();
    const channel = network.channel('a');
    const heard: string[] = [];
    const a = server.open(channel, () => heard.push('reset'))!;
    server.tryLock(a, 'k');
    network.down(channel, () => heard.push(`grant (revoked unheard: ${server.revokedUnheard('a')})`));
    server.endSessionsOf('a');
    expect(server.revokedUnheard('a')).toBe(true);
    await run(10);
    expect(heard).toEqual(['grant (revoked unheard: true)', 'reset']);
    expect(server.revokedUnheard('a')).toBe(false);
  });

  it('refuses connections while restarting and ends every session', () => {
    const { server, network } = world();
    const a = server.open(network.channel('a'), () => undefined)!;
    server.tryLock(a, 'k');
    server.restart(1000);
    expect(a.alive).toBe(false);
    expect(server.isTaken('k')).toBe(false);
    expect(server.open(network.channel('b'), () => undefined)).toBeUndefined();
  });
});

describe('the real SessionAppLock on the simulated server', () => {
  it('lets one owner hold a lock, reports its loss when the server kills the session, then lets another take it', async () => {
    const { server, lockOf, run } = world();
    const a = lockOf('a');
    const b = lockOf('b');
    expect(await settle(run, a.tryAttainLock(7))).toBe(true);
    expect(await settle(run, b.tryAttainLock(7))).toBe(false);
    expect(await settle(run, b.probeLocks!([7]))).toEqual(new Set([7]));
    const losses: LockLostEvent[] = [];
    a.onLockLost((event) => losses.push(event));
    expect(server.endSessionsOf('a')).toBe(1);
    await run(100);
    expect(losses.map((event) => event.ids)).toEqual([[7]]);
    expect(await settle(run, b.tryAttainLock(7))).toBe(true);
    await settle(run, Promise.all([a.dispose(), b.dispose()]));
    expect(server.openSessions).toBe(0);
  });

  it('notices a silent partition through its verification timeout', async () => {
    const { network, lockOf, run } = world(60_000);
    const a = lockOf('a');
    expect(await settle(run, a.tryAttainLock(1))).toBe(true);
    const losses: LockLostEvent[] = [];
    a.onLockLost((event) => losses.push(event));
    network.partition('a');
    await run(10_000);
    expect(losses).toHaveLength(1);
  });
});
