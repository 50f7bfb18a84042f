// `lead` from @polecat/app-lock on real PostgreSQL sessions: a leader process SIGKILLed while leading
// is followed by another process within seconds; a leader whose session the server kills sees its
// task's signal abort with a LockLostError, and a standby leads next.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { lead, LockLostError } from '@polecat/app-lock';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createPgAdmin, type PgAdmin } from '@polecat/test-utils';
import { describePostgres } from '@polecat/test-utils/vitest';
import { PostgresAppLock } from '../src';

const tag = randomUUID().replace(/-/g, '').slice(0, 8);

/** Resolves with the time `child` first printed `line` on stdout (rejects after `withinMs`). */
function whenPrinted(child: ChildProcess, line: string, withinMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the child never printed "${line}" (output: ${seen})`)), withinMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(line)) {
        clearTimeout(timer);
        resolve(Date.now());
      }
    });
  });
}

await describePostgres('lead on PostgreSQL (leader election with kills)', (url) => {
  let admin: PgAdmin;
  const locks: PostgresAppLock[] = [];
  const campaigns: { stop: AbortController; done: Promise<void> }[] = [];
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    admin = await createPgAdmin(url);
  });
  afterAll(async () => {
    await admin.close();
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const campaign of campaigns) campaign.stop.abort('test over');
    await Promise.allSettled(campaigns.splice(0).map((campaign) => campaign.done));
    await Promise.all(locks.splice(0).map((lock) => lock.dispose()));
  });
  let serial = 0;
  const applicationName = (role: string): string => `pc-lead-${tag}-${role}-${(serial += 1)}`;
  /** An in-process campaign; `led` records when each term started and how each ended. */
  function campaign(id: string, role: string) {
    const lock = new PostgresAppLock(url, { applicationName: applicationName(role) });
    locks.push(lock);
    const stop = new AbortController();
    const terms: { startedAt: number; endedBy?: unknown }[] = [];
    const done = lead(
      lock,
      id,
      (signal) =>
        new Promise<void>((resolve) => {
          const term: { startedAt: number; endedBy?: unknown } = { startedAt: Date.now() };
          terms.push(term);
          signal.addEventListener(
            'abort',
            () => {
              term.endedBy = signal.reason;
              resolve();
            },
            { once: true },
          );
        }),
      { retryDelayMs: 200, signal: stop.signal },
    );
    const entry = { lock, stop, done, terms };
    campaigns.push(entry);
    return entry;
  }
  const until = async (check: () => boolean, withinMs: number): Promise<void> => {
    const deadline = Date.now() + withinMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('another process leads within seconds after the leading process is SIGKILLed', { timeout: 60_000 }, async () => {
    const id = `polecat:test:lead:${tag}:kill`;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./support/leader.ts', import.meta.url)), url, applicationName('child'), id],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    await whenPrinted(child, 'leading', 30_000);
    const standby = campaign(id, 'standby');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(standby.terms).toEqual([]); // the child leads: the standby only campaigns
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await until(() => standby.terms.length === 1, 5_000);
    expect(standby.terms[0]!.startedAt - killedAt).toBeLessThan(5_000);
  });

  it("aborts the leader's task with a LockLostError when the server kills its session; the standby leads next", { timeout: 30_000 }, async () => {
    const id = `polecat:test:lead:${tag}:terminate`;
    const leader = campaign(id, 'leader');
    await until(() => leader.terms.length === 1, 5_000);
    const standby = campaign(id, 'standby');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(standby.terms).toEqual([]);
    expect(await admin.terminateBackendsByApplicationName(leader.lock.applicationName)).toBeGreaterThan(0);
    await until(() => leader.terms[0]!.endedBy !== undefined, 2_000);
    expect(LockLostError.isLockLost(leader.terms[0]!.endedBy)).toBe(true);
    await until(() => standby.terms.length === 1 || leader.terms.length === 2, 5_000);
    // exactly one of them leads the next term, never both at once
    const leading = [leader, standby].filter((side) => side.terms.some((term) => term.endedBy === undefined));
    expect(leading).toHaveLength(1);
  });
});
