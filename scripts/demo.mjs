// `pnpm demo [-- options]`: builds what the demo needs (its output shown only if the build fails),
// then runs the demo and exits with its code, so a wrong flag or an unusable database ends with the
// demo's one line and exit 1, not a stack trace and nested pnpm errors.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const build = spawnSync(join(root, 'node_modules', '.bin', 'turbo'), ['run', 'build', '--filter=@polecat/example-demo...', '--output-logs=errors-only'], {
  cwd: root,
  encoding: 'utf8',
});
if (build.status !== 0) {
  process.stdout.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  console.error(`demo: building the packages failed (${build.error?.message ?? `exit ${build.status}`})`);
  process.exit(1);
}
const demo = join(root, 'examples', 'demo');
const args = process.argv.slice(2).filter((arg) => arg !== '--'); // `pnpm demo -- --pg` passes the '--' on
const run = spawnSync(join(root, 'node_modules', '.bin', 'tsx'), ['src/main.ts', ...args], { cwd: demo, stdio: 'inherit' });
if (run.error !== undefined) console.error(`demo: could not start tsx (${run.error.message}); run pnpm install first`);
process.exit(run.status ?? 1);
