import { linkSignals } from '@polecat/kit';
import { AppLockError } from '../errors';
import type { LockSession, LockSessionDriver } from './lock-session';

/** What {@link SessionConnection} needs from its owner. */
export interface SessionConnectionOptions {
  /** Aborted by `dispose()`: a connect in progress gives up. */
  readonly lifetime: AbortSignal;
  /** `true` once `dispose()` began: a connect that completes meanwhile is closed again. */
  readonly isDisposing: () => boolean;
  /** The current session ended by itself (server kill, reset): called once, after it was detached. */
  readonly onEnded: (cause: unknown) => void;
}

/**
 * The owner's one connection: opened lazily (after a loss too, holding nothing), counted,
 * detached when it ends or is given up, closed at dispose.
 */
export class SessionConnection<Key> {
  readonly #driver: LockSessionDriver<Key>;
  readonly #options: SessionConnectionOptions;
  #session: LockSession<Key> | undefined;
  #connects = 0;

  constructor(driver: LockSessionDriver<Key>, options: SessionConnectionOptions) {
    this.#driver = driver;
    this.#options = options;
  }

  /** The open session, if any. */
  get current(): LockSession<Key> | undefined {
    return this.#session;
  }

  /** Connections opened (attempts included) since creation. */
  get connects(): number {
    return this.#connects;
  }

  /** Whether `session` is still the owner's connection (not ended or given up since). */
  isCurrent(session: LockSession<Key>): boolean {
    return this.#session === session;
  }

  /** Stops using `session` when it is the current one; resolves whether it was. */
  detach(session: LockSession<Key>): boolean {
    if (this.#session !== session) return false;
    this.#session = undefined;
    return true;
  }

  /**
   * The open session, or a new one.
   * @throws AppLockError `DISPOSED` once disposing, `CONNECTION_FAILED` when the driver fails
   *   without an `AppLockError` of its own; `signal.reason` when `signal` aborted.
   */
  async ensure(signal: AbortSignal | undefined): Promise<LockSession<Key>> {
    if (this.#session) return this.#session;
    this.#connects++;
    let session: LockSession<Key>;
    // dispose() aborts a connect in progress: a server that accepts the start-up and then goes
    // silent must not keep dispose() (which waits for the queue) pending.
    const lifetime = this.#options.lifetime;
    const linked = signal === undefined ? undefined : linkSignals([signal, lifetime]);
    try {
      session = await this.#driver.connect(linked?.signal ?? lifetime);
    } catch (error) {
      if (lifetime.aborted) throw new AppLockError('DISPOSED', `${this.#driver.backend} lock owner was disposed`, { cause: error });
      if (AppLockError.is(error) || signal?.aborted) throw error;
      throw new AppLockError('CONNECTION_FAILED', `Could not open a ${this.#driver.backend} lock session to ${this.#driver.target}`, { cause: error });
    } finally {
      linked?.unlink();
    }
    if (this.#options.isDisposing()) {
      await session.close();
      throw new AppLockError('DISPOSED', `${this.#driver.backend} lock owner was disposed`);
    }
    session.onClosed((cause) => {
      if (this.detach(session)) this.#options.onEnded(cause);
    });
    this.#session = session;
    return session;
  }

  /** Detaches and closes the current session (the server frees its locks). */
  async close(): Promise<void> {
    const session = this.#session;
    this.#session = undefined;
    await session?.close();
  }
}
