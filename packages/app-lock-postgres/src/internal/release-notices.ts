import type pg from 'pg';
import { AppLockError } from '@polecat/app-lock';

/** Default `LISTEN`/`NOTIFY` channel of release notices. */
export const DEFAULT_RELEASE_CHANNEL = 'polecat_lock_released';

/**
 * Validates a release-notice channel: a plain identifier (letter or `_` first, then letters,
 * digits, `_`), at most 63 bytes (PostgreSQL truncates longer identifiers). Throws
 * `INVALID_CONFIGURATION` otherwise.
 */
export function assertReleaseChannel(channel: unknown): asserts channel is string {
  if (typeof channel !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(channel)) {
    throw new AppLockError('INVALID_CONFIGURATION', 'releaseChannel must be 1 to 63 characters: letters, digits and _, not starting with a digit (or false)');
  }
}

/** `LISTEN "<channel>"` with the identifier quoted (the channel is validated, so this is exact). */
export function listenSql(channel: string): string {
  return `listen "${channel.replace(/"/g, '""')}"`;
}

/**
 * Fans the `NOTIFY`s of every lock session of one `PostgresAppLock` out to its release-notice
 * listeners. A session's own notices (same backend pid) are ignored: a node does not wake itself.
 */
export class ReleaseNotices {
  readonly channel: string;
  readonly #listeners = new Set<() => void>();

  constructor(channel: string) {
    this.channel = channel;
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Forwards `client`'s notifications on the channel (from other backends) to the listeners. */
  attach(client: pg.Client): void {
    client.on('notification', (message) => {
      if (message.channel !== this.channel) return;
      if (message.processId === (client as unknown as { processID?: number }).processID) return;
      for (const listener of [...this.#listeners]) {
        try {
          listener();
        } catch {
          // a notice is a hint: a failing listener must not break the lock connection
        }
      }
    });
  }
}
