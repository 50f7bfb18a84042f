import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

/** Options of {@link npmInstall}. */
export interface NpmInstallOptions {
  /** Attempts before giving up (a registry hiccup must not fail a packaging check). Default 2. */
  readonly attempts?: number;
  /** Timeout of one attempt in ms. Default 150 000. */
  readonly timeoutMs?: number;
}

/**
 * Runs `npm install` in `cwd` (an empty project that installs packed tarballs), retrying once
 * after a failure. npm's own fetch timeout is bounded so a stalled registry request fails the
 * attempt with npm's message instead of hanging until the process timeout; a failure throws an
 * error carrying the tail of npm's output.
 *
 * npm reads its global config (CA file, proxy) from `<prefix of the running node>/etc/npmrc`; a
 * second Node put first on PATH has another prefix, so callers running under such a Node should set
 * `NPM_CONFIG_GLOBALCONFIG` (`.ci/run` does).
 */
export function npmInstall(cwd: string, options: NpmInstallOptions = {}): void {
  const attempts = options.attempts ?? 2;
  for (let attempt = 1; ; attempt += 1) {
    try {
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefer-offline', '--fetch-timeout=30000', '--fetch-retries=2'], {
        cwd,
        stdio: 'pipe',
        timeout: options.timeoutMs ?? 150_000,
      });
      return;
    } catch (error) {
      const failure = error as Error & { stderr?: Buffer | string };
      const output = String(failure.stderr ?? '')
        .trim()
        .split('\n')
        .slice(-8)
        .join('\n');
      const message = `npm install in ${cwd} failed (attempt ${attempt} of ${attempts}): ${failure.message}${output ? `\n${output}` : ''}`;
      if (attempt >= attempts) throw new Error(message, { cause: error });
      console.log(`${message}\nretrying`);
      rmSync(join(cwd, 'node_modules'), { recursive: true, force: true });
    }
  }
}
