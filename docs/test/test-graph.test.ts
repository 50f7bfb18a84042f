// `pnpm test` on a fresh clone builds only what turbo's graph says the docs test needs (`^build` of
// its dependencies). Every package a README command runs (`pnpm --filter <name> ...`) or a marked code
// block imports must therefore be a dependency of @polecat/docs-test, or a fresh clone runs it unbuilt.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownBlocks, markdownCommands } from '@polecat/test-utils';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const readmes = ['README.md', ...['packages', 'examples'].flatMap((dir) => readdirSync(join(root, dir)).map((name) => `${dir}/${name}/README.md`))].filter(
  (file) => existsSync(join(root, file)),
);
const docsManifest = JSON.parse(readFileSync(join(root, 'docs', 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const docsDependencies = new Set(Object.keys({ ...docsManifest.dependencies, ...docsManifest.devDependencies }));

/** Workspace package names that README commands filter on or marked blocks import. */
function packagesTheDocsRun(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of readmes) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const { command, line } of markdownCommands(text)) {
      for (const match of command.matchAll(/--filter (@polecat\/[\w-]+)/g)) found.set(match[1]!, `${file}:${line}`);
    }
    for (const block of markdownBlocks(text).filter((candidate) => candidate.run !== undefined)) {
      for (const match of block.code.matchAll(/from '(@polecat\/[\w-]+)/g)) found.set(match[1]!, `${file}:${block.line}`);
    }
  }
  return found;
}

describe('the docs test in the turbo graph', () => {
  it('depends on every package a README command runs or a marked block imports', () => {
    const found = packagesTheDocsRun();
    expect(found.size).toBeGreaterThan(5);
    const missing = [...found].filter(([name]) => !docsDependencies.has(name)).map(([name, where]) => `${name} (${where})`);
    expect(missing, 'add these to docs/package.json so turbo builds them before the docs test').toEqual([]);
  });
});
