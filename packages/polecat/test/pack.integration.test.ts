// Packs the umbrella and its workspace dependencies, installs the tarballs into an empty npm
// project (pg and mssql come from the registry) and runs the README quick start there.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmInstall } from '@polecat/test-utils';
import { afterAll, describe, expect, it } from 'vitest';

const packagesDir = resolve(fileURLToPath(new URL('../..', import.meta.url)));
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

const QUICK_START = `
import { runShards } from '@polecat/polecat';

const done = new Set();
const coordinator = await runShards({
  connection: { backend: 'memory' }, // or 'postgres://…' / 'Server=…;Database=…;…'
  shards: {
    Trip: async ({ signal }) => { done.add('Trip'); await new Promise((r) => signal.addEventListener('abort', r)); },
    Day: async ({ signal }) => { done.add('Day'); await new Promise((r) => signal.addEventListener('abort', r)); },
  },
  settings: { leadershipPollingTime: 500 },
});
await coordinator.whenOwned(2, { timeoutMs: 10_000 });
await coordinator.stop();
console.log('QUICKSTART OK ' + [...done].sort().join(','));
`;

describe('packed umbrella in an empty npm project', () => {
  it('installs from tarballs and runs the quick start (ESM and CJS)', { timeout: 300_000 }, () => {
    const tarballs = join(work, 'tarballs');
    mkdirSync(tarballs);
    execFileSync('pnpm', ['run', 'build'], { cwd: join(packagesDir, 'polecat'), stdio: 'pipe' });
    for (const name of PACKAGES) execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(packagesDir, name), stdio: 'pipe' });
    const files = readdirSync(tarballs).filter((file) => file.endsWith('.tgz'));
    expect(files).toHaveLength(PACKAGES.length);

    const app = join(work, 'app');
    mkdirSync(app);
    const dependencies = Object.fromEntries(
      files.map((file) => [`@polecat/${file.replace(/^polecat-/, '').replace(/-\d+\.\d+\.\d+.*\.tgz$/, '')}`, `file:${join(tarballs, file)}`]),
    );
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'empty-app', private: true, type: 'module', dependencies }, null, 2));
    writeFileSync(join(app, 'quickstart.mjs'), QUICK_START);
    const started = Date.now();
    npmInstall(app);
    console.log(`npm install of the packed umbrella took ${Date.now() - started} ms`);

    expect(execFileSync('node', ['quickstart.mjs'], { cwd: app, encoding: 'utf8', timeout: 30_000 })).toContain('QUICKSTART OK Day,Trip');
    const cjs = execFileSync('node', ['-e', "const p = require('@polecat/polecat'); console.log(typeof p.runShards, typeof p.ProjectionCoordinator)"], { cwd: app, encoding: 'utf8' });
    expect(cjs.trim()).toBe('function function');
  });
});
