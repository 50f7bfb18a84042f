// `node scripts/changeset-preview.mjs`: a dry run of `changeset version`. Copies the repository's
// files (tracked and untracked, not ignored) to a temporary directory, runs `changeset version` there
// and prints the CHANGELOG.md each published package would get, with its next version. Nothing in the
// repository changes. CI runs it so the changelogs a release would write are visible in every run.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const maxLinesPerChangelog = Number(process.env.CHANGELOG_PREVIEW_LINES ?? 40);
const copy = mkdtempSync(join(tmpdir(), 'polecat-changeset-preview-'));
try {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
  }
  // the changelog generator (@changesets/cli/changelog) resolves from the copy's node_modules
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  execFileSync(join(root, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: copy, stdio: ['ignore', 'ignore', 'inherit'] });

  let written = 0;
  for (const name of readdirSync(join(copy, 'packages')).sort()) {
    const changelog = join(copy, 'packages', name, 'CHANGELOG.md');
    if (!existsSync(changelog)) continue;
    const manifest = JSON.parse(readFileSync(join(copy, 'packages', name, 'package.json'), 'utf8'));
    const lines = readFileSync(changelog, 'utf8').trimEnd().split('\n');
    written += 1;
    console.log(`\n----- packages/${name}/CHANGELOG.md (${manifest.name}@${manifest.version}, ${lines.length} lines) -----`);
    console.log(lines.slice(0, maxLinesPerChangelog).join('\n'));
    if (lines.length > maxLinesPerChangelog) console.log(`... ${lines.length - maxLinesPerChangelog} more lines`);
  }
  console.log(`\nchangeset version (dry run): ${written} CHANGELOG.md files; the repository is unchanged`);
  if (written === 0) process.exitCode = 1;
} finally {
  rmSync(copy, { recursive: true, force: true });
}
