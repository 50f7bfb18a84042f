import type { ReleaseNotice } from '../release-notice';
import { lockIdKey } from '../internal/lock-key';
import type { LockId } from '../lock-id';
import type { LockSession, LockSessionDriver } from '../session/lock-session';
import type { InMemoryLockTable } from './in-memory-lock-table';
import { InMemorySession } from './in-memory-session';

/** Opens sessions of one owner on an in-memory lock table; keys are `n:<id>` / `s:<id>`. */
export class InMemoryDriver implements LockSessionDriver<string> {
  readonly backend = 'memory';
  readonly target: string;
  readonly #table: InMemoryLockTable;
  readonly #owner: string;

  constructor(table: InMemoryLockTable, owner: string) {
    this.#table = table;
    this.#owner = owner;
    this.target = `memory (${owner})`;
  }

  toKey(id: LockId): string {
    return lockIdKey(id);
  }

  connect(signal?: AbortSignal): Promise<LockSession<string>> {
    signal?.throwIfAborted();
    return this.#table.open(() => new InMemorySession(this.#table, this.#owner, this));
  }

  /** Subscribes to releases made by the table's OTHER owners. */
  onReleaseNotice(listener: (notice: ReleaseNotice) => void): () => void {
    return this.#table.onReleaseNotice(this, listener);
  }
}
