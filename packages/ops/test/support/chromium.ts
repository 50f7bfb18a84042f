import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's chromium: the only browser the tests use (playwright never downloads one). */
export const CHROMIUM = '/usr/bin/chromium';

/** The flags of every browser test launch. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const isCi = (): boolean => {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
};

/**
 * `{ ok: true }` when `/usr/bin/chromium` exists; when missing and running as root, installs
 * Debian's `chromium` with apt-get first. Otherwise the reason (a CI run must fail on it).
 */
export function ensureChromium(): { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly mustFail: boolean } {
  if (existsSync(CHROMIUM)) return { ok: true };
  if (process.getuid?.() === 0) {
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
      execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
        stdio: 'ignore',
        timeout: 600_000,
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (error) {
      return { ok: false, reason: `apt-get install chromium failed: ${error instanceof Error ? error.message : String(error)}`, mustFail: isCi() };
    }
    if (existsSync(CHROMIUM)) return { ok: true };
  }
  return { ok: false, reason: `${CHROMIUM} is missing (apt-get install -y chromium, as root)`, mustFail: isCi() };
}
