// Executed documentation. Collects every shell command of the root README and of every package,
// example, bench and chaos README (lines of ```sh blocks, and inline `pnpm ...` / `npm ...` /
// `node ...` spans), and every code block marked `<!-- docs-test: run -->`, and runs them as
// written from the repository root, so a wrong flag, a renamed script or a stale example fails CI.
//
// As written, except: placeholders become the test database (`<connection string>`, `<url>`,
// `postgres://...`, and the machine default `postgres://postgres@127.0.0.1:5432/test` become
// POLECAT_TEST_PG when it is set), and the commands in SKIPPED below, each with its reason, are
// only checked statically (the script or package they name exists, and a "CI step" really is one).
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPostgres, markdownBlocks, markdownCommands, postgresTestUrl, runUntil, type MarkdownCommand } from '@polecat/test-utils';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ciScript = readFileSync(join(root, '.ci', 'run'), 'utf8');
const readmes = [
  'README.md',
  ...['packages', 'examples'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .map((name) => `${dir}/${name}/README.md`)
      .filter((file) => existsSync(join(root, file))),
  ),
  'bench/README.md',
  'chaos/README.md',
].filter((file) => existsSync(join(root, file)));

/**
 * Commands not run here, each with why; matched against the command as written. A "CI step" skip
 * is checked against `.ci/run`, so the reason cannot silently become false.
 */
const SKIPPED: readonly { readonly pattern: RegExp; readonly reason: string; readonly ciStep?: string | true }[] = [
  { pattern: /^pnpm test$/, reason: 'CI step (and this test runs inside it: it would recurse)', ciStep: 'pnpm test' },
  { pattern: /^pnpm (build|lint|typecheck)$/, reason: 'CI step of its own', ciStep: true },
  { pattern: /^pnpm check:packages$/, reason: 'CI step of its own', ciStep: 'pnpm check:packages' },
  {
    pattern: /^(pnpm examples|node scripts\/run-examples\.mjs)$/,
    reason: 'CI step of its own (every example command of the READMEs also runs here)',
    ciStep: 'node scripts/run-examples.mjs',
  },
  { pattern: /^pnpm chaos\b/, reason: 'minutes of fault injection; CI runs its short form', ciStep: 'pnpm --filter @polecat/chaos start -- --short' },
  { pattern: /^node --import tsx src\/node\.ts$/, reason: 'one chaos node process: the chaos runner starts it with its configuration' },
  {
    pattern: /^pnpm sim\b/,
    reason: "seed sweeps and scale runs take minutes; the sim package's own tests (part of pnpm test) run a fixed seed set, random seeds and the known defect",
    ciStep: 'pnpm test',
  },
  { pattern: /^pnpm bench\b/, reason: 'benchmarks take 2 to 7 minutes and measure rather than test (bench/README.md)' },
  { pattern: /^pnpm changeset$/, reason: 'interactive' },
  { pattern: /^npm i -g pnpm@/, reason: 'changes the machine-wide install; .ci/run installs pnpm this way', ciStep: 'npm install -g "pnpm@$PNPM_VERSION"' },
  {
    pattern: /^(pnpm add|npm install) @polecat\//,
    reason: 'the packages are not on the registry from here; the packed-tarball tests install the same sets (packages/polecat, packages/app-lock)',
  },
  { pattern: /^pnpm --filter @polecat\/[\w-]+ test$/, reason: 'one package suite: part of pnpm test', ciStep: 'pnpm test' },
  { pattern: /--mssql |Server=\.\.\./, reason: 'needs a SQL Server (none here; the SQL Server suites run when POLECAT_TEST_MSSQL is set)' },
];

const MACHINE_POSTGRES = 'postgres://postgres@127.0.0.1:5432/test';
const testDatabase = postgresTestUrl();
/** The command with its placeholders filled in (see the header). */
function concrete(command: string): string {
  // the machine default first, and only as a whole URL: a test database named `test_<x>` starts with it
  return command
    .replace(new RegExp(`${MACHINE_POSTGRES.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![\\w-])`, 'g'), testDatabase)
    .replaceAll('<connection string>', testDatabase)
    .replaceAll('<url>', testDatabase)
    .replace(/postgres:\/\/\.\.\.(?=\s|$)/g, testDatabase);
}

interface Found extends MarkdownCommand {
  readonly file: string;
}
const commands: Found[] = readmes.flatMap((file) => markdownCommands(readFileSync(join(root, file), 'utf8')).map((found) => ({ ...found, file })));
/** The command without leading environment assignments (`BENCH_TRACE=1 pnpm bench` is `pnpm bench`). */
const withoutEnv = (command: string): string => command.replace(/^(?:[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|\S*)\s+)+/, '');
const skipOf = (command: string) => SKIPPED.find((skip) => skip.pattern.test(command) || skip.pattern.test(withoutEnv(command)));
const toRun = [...new Map(commands.filter((c) => skipOf(c.command) === undefined).map((c) => [concrete(c.command), c])).entries()];

const rootScripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const workspacePackages = new Map(
  ['packages', 'examples', '.']
    .flatMap((dir) => (dir === '.' ? ['bench', 'chaos', 'docs'] : readdirSync(join(root, dir)).map((name) => `${dir}/${name}`)))
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string; scripts?: Record<string, string> };
      return [manifest.name, manifest.scripts ?? {}] as const;
    }),
);

/** The script a `pnpm ...` command names must exist where it points (root, or the --filter package). */
function checkScriptExists(command: string): void {
  const filtered = /^(?:[A-Z_]+=\S+\s+)*pnpm --filter (\S+) (?:run )?([\w:-]+)/.exec(command);
  if (filtered !== null) {
    const scripts = workspacePackages.get(filtered[1]!);
    expect(scripts, `no workspace package ${filtered[1]}`).toBeDefined();
    expect(Object.keys(scripts!), `${filtered[1]} has no script "${filtered[2]}"`).toContain(filtered[2]);
    return;
  }
  const plain = /^(?:[A-Z_]+=\S+\s+)*pnpm (?:run )?([\w:-]+)/.exec(command);
  const builtin = ['install', 'add', 'exec', 'dlx', '--filter'];
  if (plain !== null && !builtin.includes(plain[1]!)) expect(Object.keys(rootScripts), `the root package.json has no script "${plain[1]}"`).toContain(plain[1]);
}

describe('README shell commands', () => {
  it('finds the commands (the extraction itself works)', () => {
    expect(commands.length).toBeGreaterThan(30);
    expect(toRun.length).toBeGreaterThan(10);
    console.log(
      `[docs] ${commands.length} commands in ${readmes.length} READMEs; ${toRun.length} distinct ones run, ${commands.filter((c) => skipOf(c.command)).length} checked statically`,
    );
  });

  it.each(commands.filter((c) => skipOf(c.command) !== undefined).map((c) => [`${c.file}:${c.line} ${c.command}`, c] as const))(
    'skipped, checked statically: %s',
    (_label, found) => {
      const skip = skipOf(found.command)!;
      checkScriptExists(found.command);
      const step = skip.ciStep === true ? found.command : skip.ciStep;
      if (step !== undefined) expect(ciScript, `.ci/run no longer runs "${step}" (${skip.reason})`).toContain(step);
    },
  );

  it.each(toRun.map(([command, found]) => [`${found.file}:${found.line} ${command}`, command] as const))('runs as written: %s', async (_label, command) => {
    checkScriptExists(command);
    const usesPostgres = /--pg\b|--url\b|POLECAT_PG_URL=|DATABASE_URL=/.test(command);
    if (usesPostgres && !(await checkPostgres()).reachable && process.env.CI === undefined) {
      console.log(`[docs] SKIP (no PostgreSQL here; CI requires it): ${command}`);
      return;
    }
    const run = await runUntil(command, [], { cwd: root, shell: true, timeoutMs: 150_000, env: { ...process.env, FORCE_COLOR: '0' } });
    const output = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-25).join('\n');
    expect(run.timedOut, `timed out after ${run.ms} ms:\n${output}`).toBe(false);
    expect(run.code, `exit ${run.code ?? run.signal}:\n${output}`).toBe(0);
    // A database flag must really reach the database (coordinator-three-nodes once ran `--pg` in memory).
    if (usesPostgres) expect(run.stdout, `no sign of PostgreSQL in the output of ${command}:\n${output}`).toMatch(/PostgreSQL/);
  });
});

describe('code blocks marked <!-- docs-test: run -->', () => {
  const marked = readmes.flatMap((file) =>
    markdownBlocks(readFileSync(join(root, file), 'utf8'))
      .filter((block) => block.run !== undefined)
      .map((block) => ({ ...block, file })),
  );
  const scratch = join(root, 'docs', '.docs-blocks');

  it('finds the marked blocks (the quick starts at least)', () => {
    expect(marked.filter((block) => block.lang === 'ts').length).toBeGreaterThanOrEqual(2);
  });

  it('every marked TypeScript block typechecks (strict, the repository settings)', () => {
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(scratch, { recursive: true });
    const files = marked
      .filter((block) => block.lang === 'ts')
      .map((block, index) => {
        const file = join(scratch, `block-${index}.ts`);
        writeFileSync(file, `// ${block.file}:${block.line}\n${block.code}`);
        return file;
      });
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.base.json', include: files.map((file) => relative(scratch, file)) }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    return runUntil(process.execPath, [tsc, '-p', join(scratch, 'tsconfig.json')], { cwd: join(root, 'docs'), timeoutMs: 120_000 }).then((run) => {
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    });
  });

  it.each(marked.map((block) => [`${block.file}:${block.line} (${block.lang})`, block] as const))('runs: %s', async (_label, block) => {
    mkdirSync(scratch, { recursive: true });
    const extension = block.lang === 'ts' ? 'ts' : 'mjs';
    const file = join(scratch, `run-${block.file.replace(/\W+/g, '-')}-${block.line}.${extension}`);
    writeFileSync(file, block.code);
    const postgres = await checkPostgres();
    const env = { ...process.env, ...(postgres.reachable ? { DATABASE_URL: postgres.url } : {}) };
    // TypeScript through tsx's loader in one process, not the tsx CLI: the CLI relays the stop signal
    // to its child unless the child reports it within 30 ms, and SIGKILLs it (the CLI then exits
    // 128 + the signal's number: 143) unless the next report comes within 30 ms more, which a loaded
    // CI machine missed once.
    const [command, args] = extension === 'ts' ? [process.execPath, ['--import', 'tsx', file]] : [process.execPath, [file]];
    const run = await runUntil(command, args, {
      cwd: join(root, 'docs'),
      env,
      ...(block.run!.until === undefined ? {} : { until: block.run!.until }),
      timeoutMs: 60_000,
    });
    const output = `${run.stdout}\n${run.stderr}`.trim();
    if (block.run!.until !== undefined) expect(run.sawUntil, `never printed "${block.run!.until}":\n${output}`).toBe(true);
    // a block that ends by itself: `prints="..."` is what it must have printed
    if (block.run!.prints !== undefined) expect(run.stdout, `never printed "${block.run!.prints}"`).toContain(block.run!.prints);
    expect(run.code, `exit ${run.code ?? run.signal}:\n${output}`).toBe(0);
    expect(run.stderr).toBe('');
  });
});
