import { releaseNoticeOf, type ReleaseNotice } from '@polecat/app-lock';
import { ListenerSet } from '@polecat/kit';
import type pg from 'pg';
import { invalidConfiguration } from './postgres-errors';

/** Default `LISTEN`/`NOTIFY` channel of release notices. */
export const DEFAULT_RELEASE_CHANNEL = 'polecat_lock_released';

/**
 * Validates a release-notice channel: a plain identifier (letter or `_` first, then letters,
 * digits, `_`), at most 63 bytes (PostgreSQL truncates longer identifiers). Throws
 * `INVALID_CONFIGURATION` otherwise.
 */
export function assertReleaseChannel(channel: unknown): asserts channel is string {
  if (typeof channel !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(channel)) {
    throw invalidConfiguration('releaseChannel must be 1 to 63 characters: letters, digits and _, not starting with a digit (or false)');
  }
}

/**
 * Fans the `NOTIFY`s of every lock session of one `PostgresAppLock` out to its release-notice
 * listeners, with the releaser's reason (the payload). A session's own notices (same backend pid)
 * are ignored: a node does not wake itself.
 */
export class ReleaseNotices {
  readonly channel: string;
  /** A notice is a hint: a failing listener must not break the lock connection (its error is dropped). */
  readonly #listeners = new ListenerSet<[ReleaseNotice]>();

  constructor(channel: string) {
    this.channel = channel;
  }

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (notice: ReleaseNotice) => void): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Forwards `client`'s notifications on the channel from backends other than `ownPid` (the
   * session's real backend pid: behind a pooler the handshake's pid is the pooler's) to the listeners.
   */
  attach(client: pg.Client, ownPid: number): void {
    client.on('notification', (message) => {
      if (message.channel !== this.channel) return;
      if (message.processId === ownPid) return;
      this.#listeners.emit(releaseNoticeOf(message.payload));
    });
  }
}
