// `pnpm demo` with a bad flag or an unusable database: one clear line and exit 1, no stack trace,
// no password, nothing from pnpm but its own command echo and exit-code line (and the build's
// progress lines before the demo starts).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUntil } from '@polecat/test-utils';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

describe('pnpm demo failures', () => {
  it.each([
    [
      'an unreachable database',
      'pnpm demo -- --url postgres://nobody:hunter2-secret@127.0.0.1:1/none',
      /^demo: Could not open a PostgreSQL lock session to postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none/,
    ],
    [
      'a string of no known form',
      "pnpm demo -- --url 'postgresql//nobody:hunter2-secret@127.0.0.1/none'",
      /^demo: connection is not a connection string of a recognised form/,
    ],
    ['an unknown flag', 'pnpm demo -- --bogus', /^demo: unknown option --bogus/],
    ['a missing value', 'pnpm demo -- --url', /^demo: --url needs a value/],
  ])('%s: one line, exit 1', async (_what, command, line) => {
    const run = await runUntil(command, [], { cwd: root, shell: true, timeoutMs: 120_000, env: { ...process.env, FORCE_COLOR: '0' } });
    expect(run.code).toBe(1);
    const lines = `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.trim() !== '');
    // the build's progress lines (scripts/demo.mjs) come before the demo runs
    const progress = /^demo: building the packages it needs|^ {2}building @polecat\/|^demo: packages up to date$|^demo: built \d+ packages in/;
    const own = lines.filter(
      (l) => !/^\$ node scripts\/demo\.mjs|^\[ELIFECYCLE\] Command failed with exit code 1\.$|^ ELIFECYCLE /.test(l) && !progress.test(l),
    );
    expect(own, lines.join('\n')).toHaveLength(1);
    expect(own[0]).toMatch(line);
    // (pnpm's echo of the command line repeats what the user typed; everything after it is ours)
    expect(lines.filter((l) => !l.startsWith('$ node scripts/demo.mjs')).join('\n')).not.toMatch(/hunter2-secret|^\s+at |ERR_PNPM/m);
  });
});
