import { DiAdapterError } from '../errors';

/** The oldest Node.js the packages support (`engines` of every package.json). */
export const MINIMUM_NODE_VERSION = '20.19.0';

/** `true` when `version` (`process.versions.node`, e.g. `20.19.2`) is at least {@link MINIMUM_NODE_VERSION}. */
export function isSupportedNode(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minimumMajor, minimumMinor] = MINIMUM_NODE_VERSION.split('.').map(Number) as [number, number];
  return major > minimumMajor || (major === minimumMajor && minor >= minimumMinor);
}

/**
 * Refuses to load on an older Node.js with one clear line (`engines` alone is only a warning, and
 * Node 18 would otherwise run until some missing API fails far from its cause).
 */
export function assertSupportedNode(version: string = process.versions.node): void {
  if (isSupportedNode(version)) return;
  throw new DiAdapterError(
    'INVALID_CONFIGURATION',
    `Polecat needs Node.js >= ${MINIMUM_NODE_VERSION}; this process runs Node.js ${version}. Upgrade Node.js (20.19 or newer, 22 or 24).`,
  );
}
