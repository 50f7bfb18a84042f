import { afterEach, describe, expect, it } from 'vitest';
import { spawnFixture, type Child } from './child-process';
import { randomLockBase } from './helpers';

let child: Child | undefined;
afterEach(() => {
  if (child !== undefined && child.process.exitCode === null) child.process.kill('SIGKILL');
  child = undefined;
});

describe('runHost in a child process (in-memory lock)', () => {
  it('SIGTERM drains the host: exit code 0 and no lock left held', async () => {
    child = spawnFixture('host-child', { POLECAT_CHILD_BACKEND: 'memory', POLECAT_CHILD_LOCK_BASE: String(randomLockBase()) });
    await child.waitFor('OWNED');
    child.process.kill('SIGTERM');
    const { code } = await child.exited;
    expect(code).toBe(0);
    expect(child.stdout()).toContain('HOLDERS [null,null,null]');
    expect(child.stdout()).toContain('EXIT 0');
    expect(child.stderr()).toContain('host drained');
  });
});
