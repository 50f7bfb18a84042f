// `pnpm demo [-- options]`: builds what the demo needs, saying at once what it does (one line per
// package being built; turbo's own output shown only if the build fails), then runs the demo and
// exits with its code, so a wrong flag or an unusable database ends with the demo's one line and
// exit 1, not a stack trace and nested pnpm errors.
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(import.meta.dirname, '..');
const buildStarted = Date.now();
console.log('demo: building the packages it needs (the first time about a minute; then cached)');
const build = spawn(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--filter=@polecat/example-demo...', '--output-logs=hash-only'], {
  cwd: root,
  env: { ...process.env, FORCE_COLOR: '0', TURBO_NO_UPDATE_NOTIFIER: '1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
const transcript = [];
let built = 0;
for (const stream of [build.stdout, build.stderr]) {
  createInterface({ input: stream }).on('line', (line) => {
    transcript.push(line);
    // "@polecat/app-lock:build: cache miss, executing 0123abcd": a package being built now
    const task = /^(\S+):build: cache (?:miss|bypass)/.exec(line);
    if (task !== null) {
      built += 1;
      console.log(`  building ${task[1]}`);
    }
  });
}
const buildExit = await new Promise((resolveExit) => {
  build.on('error', (error) => resolveExit({ code: null, error }));
  build.on('close', (code) => resolveExit({ code, error: undefined }));
});
if (buildExit.code !== 0) {
  console.log(transcript.join('\n'));
  console.error(`demo: building the packages failed (${buildExit.error?.message ?? `exit ${buildExit.code}`})`);
  process.exit(1);
}
console.log(built === 0 ? 'demo: packages up to date' : `demo: built ${built} packages in ${((Date.now() - buildStarted) / 1000).toFixed(0)} s`);
const demo = join(root, 'examples', 'demo');
const args = process.argv.slice(2).filter((arg) => arg !== '--'); // `pnpm demo -- --pg` passes the '--' on
const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['src/main.ts', ...args], { cwd: demo, stdio: 'inherit' });
if (run.error !== undefined) console.error(`demo: could not start tsx (${run.error.message}); run pnpm install first`);
process.exit(run.status ?? 1);
