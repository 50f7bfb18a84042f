// What a user sees on the registry page and in the tarball: every published package names its
// repository, homepage and issue tracker, ships the LICENSE, and every changeset names published
// packages only (`changeset version` refuses a changeset that mixes in an ignored one).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface Manifest {
  readonly name: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly repository?: { readonly type: string; readonly url: string; readonly directory?: string };
  readonly homepage?: string;
  readonly bugs?: { readonly url: string };
}
const packages = readdirSync(join(root, 'packages'))
  .filter((name) => existsSync(join(root, 'packages', name, 'package.json')))
  .map((name) => ({ dir: `packages/${name}`, manifest: JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8')) as Manifest }));
const published = packages.filter(({ manifest }) => manifest.private !== true);

describe('published package metadata', () => {
  it('finds the published packages', () => {
    expect(published.length).toBeGreaterThanOrEqual(8);
  });

  it.each(published.map(({ dir, manifest }) => [manifest.name, dir, manifest] as const))(
    '%s names its repository, homepage, issues and license',
    (_name, dir, manifest) => {
      expect(manifest.license).toBe('MIT');
      expect(manifest.repository).toMatchObject({ type: 'git', directory: dir });
      expect(manifest.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
      expect(manifest.homepage).toMatch(new RegExp(`/${dir}#readme$`));
      expect(manifest.bugs?.url).toMatch(/\/issues$/);
    },
  );

  it.each(published.map(({ dir, manifest }) => [manifest.name, dir] as const))('%s packs its LICENSE and README', (_name, dir) => {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(root, dir), encoding: 'utf8' })) as {
      files: { path: string }[];
    }[];
    const files = packed[0]!.files.map((file) => file.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(readFileSync(join(root, dir, 'LICENSE'), 'utf8')).toBe(readFileSync(join(root, 'LICENSE'), 'utf8'));
  });
});

describe('changesets', () => {
  const privateNames = new Set(packages.filter(({ manifest }) => manifest.private === true).map(({ manifest }) => manifest.name));
  const changesets = readdirSync(join(root, '.changeset')).filter((file) => file.endsWith('.md') && file !== 'README.md');

  it.each(changesets)('.changeset/%s bumps published packages only', (file) => {
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(root, '.changeset', file), 'utf8'));
    expect(front, 'no front matter').not.toBeNull();
    const named = [...front![1]!.matchAll(/^["'](@[^"']+)["']:/gm)].map((match) => match[1]!);
    expect(named.length).toBeGreaterThan(0);
    expect(named.filter((name) => privateNames.has(name) || name.startsWith('@polecat/example-'))).toEqual([]);
  });
});
