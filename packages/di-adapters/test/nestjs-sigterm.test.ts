import { afterEach, describe, expect, it } from 'vitest';
import { spawnFixture, type Child } from './child-process';
import { randomLockBase } from './helpers';

let child: Child | undefined;
afterEach(() => {
  if (child !== undefined && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  child = undefined;
});

// Nest's enableShutdownHooks closes the application on SIGTERM, then removes its listener and
// re-raises the signal (process.kill(process.pid, signal)): the process ends *by* SIGTERM (exit
// status 143 in a shell), not with code 0. `{ useProcessExit: true }` (Nest >= 11.1) exits with 0.
describe('PolecatModule + enableShutdownHooks in a child process (in-memory lock)', () => {
  it('SIGTERM drains the coordinator before the process ends by the re-raised SIGTERM; no lock left held', async () => {
    child = spawnFixture('nest-child', { POLECAT_CHILD_BACKEND: 'memory', POLECAT_CHILD_LOCK_BASE: String(randomLockBase()) });
    await child.waitFor('OWNED');
    expect(child.stdout()).not.toContain('AGENT STOPPED');
    child.process.kill('SIGTERM');
    const exit = await child.exited;
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    const out = child.stdout();
    expect(out).toContain('LOG polecat coordinators drained {"stores":["default"],"signal":"SIGTERM"');
    expect(out.match(/AGENT STOPPED \w+/g)?.sort()).toEqual(['AGENT STOPPED Day', 'AGENT STOPPED Trip', 'AGENT STOPPED Week']);
    expect(out).toContain('HOLDERS [null,null,null]');
    // drained in beforeApplicationShutdown, so before any provider's onApplicationShutdown runs
    expect(out.indexOf('polecat coordinators drained')).toBeLessThan(out.indexOf('SHUTDOWN SIGTERM'));
    expect(child.stderr()).not.toMatch(/error/i);
  });

  it('with { useProcessExit: true } the same shutdown exits with code 0', async () => {
    child = spawnFixture('nest-child', {
      POLECAT_CHILD_BACKEND: 'memory',
      POLECAT_CHILD_LOCK_BASE: String(randomLockBase()),
      POLECAT_CHILD_PROCESS_EXIT: '1',
    });
    await child.waitFor('OWNED');
    child.process.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.stdout()).toContain('LOG polecat coordinators drained');
    expect(child.stdout()).toContain('HOLDERS [null,null,null]');
  });

  it('Nest ignores a second SIGTERM while it closes: the drain still completes and the process exits 0', async () => {
    child = spawnFixture('nest-child', {
      POLECAT_CHILD_BACKEND: 'memory',
      POLECAT_CHILD_LOCK_BASE: String(randomLockBase()),
      POLECAT_CHILD_PROCESS_EXIT: '1',
      POLECAT_CHILD_SLOW_DRAIN_MS: '600',
    });
    await child.waitFor('OWNED');
    child.process.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200)); // well inside the 600 ms last batch
    child.process.kill('SIGTERM');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const out = child.stdout();
    expect(out.match(/AGENT STOPPED \w+/g)?.sort()).toEqual(['AGENT STOPPED Day', 'AGENT STOPPED Trip', 'AGENT STOPPED Week']);
    expect(out).toContain('HOLDERS [null,null,null]');
  });
});
