import type { ReleaseNotice } from '../release-notice';
import { SessionAppLock } from '../session/session-app-lock';
import type { SessionAppLockOptions } from '../session/session-options';
import { InMemoryDriver } from './in-memory-driver';
import { tableOf } from './in-memory-lock-table';
import type { InMemoryLockServer } from './in-memory-lock-server';

/** Options of {@link InMemoryLockServer.createLock}. */
export interface InMemoryAppLockOptions extends SessionAppLockOptions {
  /** A label for the owner, shown by {@link InMemoryLockServer.holderOf}. Default `owner-<n>`. */
  readonly owner?: string;
}

/** A lock owner on an {@link InMemoryLockServer}; create it with `server.createLock()`. */
export class InMemoryAppLock extends SessionAppLock<string> {
  /** The owner label (see {@link InMemoryLockServer.holderOf}). */
  readonly owner: string;
  readonly #driver: InMemoryDriver;

  /** Same as `server.createLock(options)`. */
  constructor(server: InMemoryLockServer, options: InMemoryAppLockOptions = {}) {
    const table = tableOf(server);
    const owner = options.owner ?? table.nextOwnerLabel();
    const driver = new InMemoryDriver(table, owner);
    super(driver, options);
    this.owner = owner;
    this.#driver = driver;
  }

  /** Called (asynchronously) whenever ANOTHER owner of this server releases locks it held. */
  onReleaseNotice(listener: (notice: ReleaseNotice) => void): () => void {
    return this.#driver.onReleaseNotice(listener);
  }
}
