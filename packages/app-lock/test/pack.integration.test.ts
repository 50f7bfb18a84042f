// `npm pack` of @polecat/app-lock installs into an empty project (with mssql from the registry)
// and `new SqlServerAppLock(...)` type-checks, constructs and fails cleanly against a closed port
// there, with no other @polecat package installed than its one dependency, @polecat/kit. No SQL Server is needed: nothing listens on
// the port, so the first attempt must reject with CONNECTION_FAILED and no password in it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmInstall } from '@polecat/test-utils';
import { afterAll, describe, expect, it } from 'vitest';

const packageDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'polecat-app-lock-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const CHECK = `
import { AppLockError, InMemoryLockServer, type AppLock } from '@polecat/app-lock';
import { SqlServerAppLock } from '@polecat/app-lock/sql-server';

const lock = new SqlServerAppLock('Server=127.0.0.1,1;Database=app;User Id=sa;Password=Secret#Pw1;Encrypt=false;Connect Timeout=2');
const asContract: AppLock = lock;
const error: unknown = await asContract.tryAttainLock(4444).catch((e: unknown) => e);
const text = error instanceof Error ? \`\${error.message} \${String((error as Error & { cause?: unknown }).cause)}\` : String(error);
console.log(JSON.stringify({
  resource: lock.resourceName(4444),
  code: AppLockError.is(error) ? error.code : 'none',
  leaksPassword: text.includes('Secret#Pw1'),
  memory: await new InMemoryLockServer().createLock().tryAttainLock('x'),
}));
await lock.dispose();
`;

describe('packed @polecat/app-lock in an empty npm project', () => {
  it('type-checks and constructs SqlServerAppLock with no other @polecat package than @polecat/kit', { timeout: 300_000 }, () => {
    execFileSync('pnpm', ['run', 'build'], { cwd: packageDir, stdio: 'pipe' });
    for (const dir of [packageDir, resolve(packageDir, '..', 'kit')]) execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: dir, stdio: 'pipe' });
    const tarball = readdirSync(work).find((file) => file.startsWith('polecat-app-lock-') && file.endsWith('.tgz'));
    const kitTarball = readdirSync(work).find((file) => file.startsWith('polecat-kit-') && file.endsWith('.tgz'));
    expect(tarball).toBeDefined();
    expect(kitTarball).toBeDefined();
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'empty-app',
        private: true,
        type: 'module',
        dependencies: { '@polecat/app-lock': `file:${join(work, tarball!)}`, '@polecat/kit': `file:${join(work, kitTarball!)}`, mssql: '12.7.14' },
        devDependencies: { '@types/mssql': '^12.3.0', '@types/node': '^20.19.0', typescript: '5.9.3' },
        // mssql pinned to the version the lockfile tests: 12.7.16 depends on @tediousjs/connection-string
        // ^1.1.2, which the registry this project installs from does not serve (a fresh ^12 install fails).
        // tedious 20 (pulled by mssql 12.x) needs Node 22; this project supports Node >= 20.19
        overrides: { tedious: '19.2.2' },
      }),
    );
    writeFileSync(join(app, 'check.mts'), CHECK);
    npmInstall(app);
    expect(readdirSync(join(app, 'node_modules', '@polecat')).sort()).toEqual(['app-lock', 'kit']);

    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync('node', [tsc, 'check.mts', '--strict', '--module', 'nodenext', '--target', 'es2022', '--types', 'node', '--outDir', 'out'], {
      cwd: app,
      stdio: 'pipe',
    });
    expect(existsSync(join(app, 'out', 'check.mjs'))).toBe(true);
    const result = JSON.parse(execFileSync('node', ['out/check.mjs'], { cwd: app, encoding: 'utf8', timeout: 60_000 }).trim()) as Record<string, unknown>;
    expect(result).toEqual({ resource: '4444', code: 'CONNECTION_FAILED', leaksPassword: false, memory: true });

    const cjs = execFileSync(
      'node',
      [
        '-e',
        "const { SqlServerAppLock } = require('@polecat/app-lock/sql-server'); const l = new SqlServerAppLock('Server=db;Database=x'); console.log(l.backend); l.dispose()",
      ],
      {
        cwd: app,
        encoding: 'utf8',
      },
    );
    expect(cjs.trim()).toBe('sqlserver');
  });
});
