// A `"module": "commonjs"` project (node10 resolution: the NestJS CLI's long-time default, which
// ignores `exports`) must resolve every entry of every published package, subpaths included
// (`typesVersions`). Compiles a tiny CommonJS project against the built workspace packages.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runUntil } from '@polecat/test-utils';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const scratch = join(root, 'docs', '.commonjs-project');

/** Every `<package>` and `<package>/<subpath>` of the published packages (from their exports maps). */
function publishedEntries(): string[] {
  return readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name, 'package.json'))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')) as { name: string; private?: boolean; exports?: Record<string, unknown> })
    .filter((manifest) => manifest.private !== true && manifest.exports !== undefined)
    .flatMap((manifest) =>
      Object.keys(manifest.exports!)
        .filter((key) => key !== './package.json')
        .map((key) => (key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`)),
    );
}

describe('a CommonJS TypeScript project (moduleResolution node10)', () => {
  const entries = publishedEntries();

  it('finds the entries (subpaths included)', () => {
    expect(entries).toContain('@polecat/di-adapters/node');
    expect(entries.length).toBeGreaterThan(15);
  });

  it('resolves the types of every entry (no TS2307)', { timeout: 120_000 }, async () => {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    writeFileSync(
      join(scratch, 'entries.ts'),
      entries.map((entry, index) => `import * as entry${index} from '${entry}';\nexport { entry${index} };`).join('\n') + '\n',
    );
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'commonjs',
          moduleResolution: 'node10',
          target: 'es2022',
          strict: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
          ignoreDeprecations: '5.0',
        },
        files: ['entries.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = await runUntil(process.execPath, [tsc, '-p', join(scratch, 'tsconfig.json')], { cwd: scratch, timeoutMs: 110_000 });
    rmSync(scratch, { recursive: true, force: true });
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
    expect(run.code).toBe(0);
  });
});
