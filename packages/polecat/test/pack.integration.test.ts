// Packs the umbrella and its workspace dependencies and installs the tarballs into an empty npm
// project as a PostgreSQL user would (`npm install @polecat/polecat pg`: the drivers are optional
// peers, so no mssql). Then runs the README's Quick start there, copied as written: compiled by
// TypeScript for Node 20 (target ES2022) as ESM and as CommonJS, plus the plain-JavaScript
// try/finally form, on PostgreSQL (POLECAT_TEST_PG) when reachable, else in memory. CI runs this
// on Node 20 and on Node 24.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPostgres, markdownBlocks, npmInstall, runUntil } from '@polecat/test-utils';
import { afterAll, describe, expect, it } from 'vitest';

const packagesDir = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const root = resolve(packagesDir, '..');
// the umbrella and every workspace package it depends on (so a new dependency can't be forgotten here)
const umbrellaManifest = JSON.parse(readFileSync(join(packagesDir, 'polecat', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const PACKAGES = [
  ...Object.keys(umbrellaManifest.dependencies)
    .filter((name) => name.startsWith('@polecat/'))
    .map((name) => name.slice('@polecat/'.length)),
  'polecat',
];
const work = mkdtempSync(join(tmpdir(), 'polecat-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The README's runnable blocks: the TypeScript Quick start and its plain-JavaScript try/finally form.
const readme = readFileSync(join(packagesDir, 'polecat', 'README.md'), 'utf8');
const runnable = markdownBlocks(readme).filter((block) => block.run !== undefined);
const quickStart = runnable.find((block) => block.lang === 'ts');
const plainJs = runnable.find((block) => block.lang === 'js');

/** The Quick start as CommonJS: imports on top, the rest in `async function main()` (CommonJS has no top-level await). */
function asCommonJs(code: string): string {
  const lines = code.split('\n');
  const imports = lines.filter((line) => line.startsWith('import '));
  const body = lines.filter((line) => !line.startsWith('import '));
  return `${imports.join('\n')}\n\nasync function main(): Promise<void> {\n${body.join('\n')}\n}\nmain().catch((error: unknown) => {\n  console.error(error instanceof Error ? error.message : error);\n  process.exitCode = 1;\n});\n`;
}

function tsconfig(module: 'nodenext'): string {
  return JSON.stringify({
    compilerOptions: {
      // what the README says Node 20 needs: a target below ESNext lowers `await using`
      target: 'ES2022',
      lib: ['ES2022', 'ESNext.Disposable'],
      module,
      moduleResolution: 'nodenext',
      strict: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')], // @types/node from the workspace: no registry fetch
      outDir: 'out',
    },
    include: ['quickstart.ts'],
  });
}

describe('packed umbrella in an empty npm project', () => {
  it('installs as a PostgreSQL user (no mssql), runs the README Quick start (ESM, CJS, plain JS), names the missing driver', { timeout: 400_000 }, async () => {
    expect(quickStart, 'the README Quick start is marked <!-- docs-test: run -->').toBeDefined();
    expect(plainJs, 'the README try/finally form is marked <!-- docs-test: run -->').toBeDefined();
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    execFileSync('pnpm', ['run', 'build'], { cwd: join(packagesDir, 'polecat'), stdio: 'pipe' });
    for (const name of PACKAGES) execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(packagesDir, name), stdio: 'pipe' });
    const files = readdirSync(tarballs).filter((file) => file.endsWith('.tgz'));
    expect(files).toHaveLength(PACKAGES.length);

    const app = join(work, 'app');
    mkdirSync(app);
    const dependencies = {
      ...Object.fromEntries(
        files.map((file) => [`@polecat/${file.replace(/^polecat-/, '').replace(/-\d+\.\d+\.\d+.*\.tgz$/, '')}`, `file:${join(tarballs, file)}`]),
      ),
      pg: '^8.11.0', // what the README's `npm install @polecat/polecat pg` adds
    };
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'empty-app', private: true, type: 'module', dependencies }, null, 2));
    const started = Date.now();
    npmInstall(app);
    const size = execFileSync('du', ['-sm', join(app, 'node_modules')], { encoding: 'utf8' }).split('\t')[0];
    console.log(`npm install of the packed umbrella + pg took ${Date.now() - started} ms; node_modules ${size} MB`);
    for (const absent of ['mssql', 'tedious', '@azure']) expect(existsSync(join(app, 'node_modules', absent)), `${absent} installed`).toBe(false);

    const postgres = await checkPostgres();
    const env = { ...process.env, ...(postgres.reachable ? { DATABASE_URL: postgres.url } : {}) };
    if (!postgres.reachable) console.log(`[pack] no PostgreSQL (${postgres.cause}): the Quick start runs in memory`);

    // ESM: the Quick start exactly as written, compiled for Node 20
    writeFileSync(join(app, 'quickstart.ts'), quickStart!.code);
    writeFileSync(join(app, 'tsconfig.json'), tsconfig('nodenext'));
    // CommonJS: the same lines inside main(), in a "type": "commonjs" folder
    const cjs = join(app, 'cjs');
    mkdirSync(cjs);
    writeFileSync(join(cjs, 'package.json'), JSON.stringify({ type: 'commonjs' }));
    writeFileSync(join(cjs, 'quickstart.ts'), asCommonJs(quickStart!.code));
    writeFileSync(join(cjs, 'tsconfig.json'), tsconfig('nodenext'));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const dir of [app, cjs]) {
      try {
        execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        throw new Error(`tsc failed in ${dir}:\n${String((error as { stdout?: string }).stdout)}`, { cause: error });
      }
    }
    expect(readFileSync(join(cjs, 'out', 'quickstart.js'), 'utf8')).toContain('require("@polecat/polecat")');
    writeFileSync(join(app, 'quickstart.mjs'), plainJs!.code);

    for (const [what, file] of [
      ['ESM (tsc, target ES2022)', join(app, 'out', 'quickstart.js')],
      ['CommonJS (tsc, target ES2022)', join(cjs, 'out', 'quickstart.js')],
      ['plain JavaScript, try/finally', join(app, 'quickstart.mjs')],
    ] as const) {
      const run = await runUntil(process.execPath, [file], { cwd: app, env, until: 'running Trip', timeoutMs: 30_000 });
      expect(run.sawUntil, `${what}: no "running Trip" line\n${run.stdout}\n${run.stderr}`).toBe(true);
      expect(run.code, `${what} exit (SIGTERM after "running Trip")\n${run.stderr}`).toBe(0);
      expect(run.stderr, what).toBe('');
    }

    // A SQL Server connection without mssql: a typed error naming the package, in ESM and in CJS
    const esmMissing = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import { lockFactoryFor } from '@polecat/polecat'; await lockFactoryFor('Server=db;Database=app').catch((e) => console.log(e.name, e.code, e.message));",
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(esmMissing).toMatch(/^DiAdapterError MISSING_DRIVER .*"mssql".*npm install mssql/);
    const cjsMissing = execFileSync(
      process.execPath,
      ['-e', "require('@polecat/polecat').lockFactoryFor('mssql://sa@db/app').catch((e) => console.log(e.name, e.code, e.message))"],
      { cwd: app, encoding: 'utf8' },
    );
    expect(cjsMissing).toMatch(/^DiAdapterError MISSING_DRIVER .*"mssql"/);

    // Readable names from the bundles: error names without a leading underscore, String(shard)
    const names = execFileSync(
      process.execPath,
      [
        '-e',
        "const p = require('@polecat/polecat'); console.log([new p.CoordinatorError('TIMEOUT', 'x').stack.split('\\n')[0], String(new p.AppLockError('DISPOSED', 'y')), p.DiAdapterError.name, String(p.shardName('Trip')), typeof p.ProjectionCoordinator].join('|'))",
      ],
      { cwd: app, encoding: 'utf8' },
    );
    expect(names.trim()).toBe('CoordinatorError: x|AppLockError: y|DiAdapterError|Trip:All|function');
  });
});
