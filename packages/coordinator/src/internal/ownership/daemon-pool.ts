import type { Logger } from '@polecat/app-lock';
import type { ProjectionDatabase } from '@polecat/distributors';
import type { ProjectionDaemon } from '../../projection-daemon';

/** One daemon per database, created lazily by the user's factory, disposed when its database goes. */
export class DaemonPool {
  readonly #factory: (database: ProjectionDatabase) => ProjectionDaemon;
  readonly #logger: Logger;
  readonly #daemons = new Map<string, ProjectionDaemon>();
  readonly #onAgentFailed: (() => void) | undefined;
  readonly #unsubscribe = new Map<ProjectionDaemon, () => void>();

  /** `onAgentFailed`: called when an agent of any daemon fails on its own (daemons that can tell). */
  constructor(factory: (database: ProjectionDatabase) => ProjectionDaemon, logger: Logger, onAgentFailed?: () => void) {
    this.#factory = factory;
    this.#logger = logger;
    this.#onAgentFailed = onAgentFailed;
  }

  get(database: ProjectionDatabase): ProjectionDaemon {
    let daemon = this.#daemons.get(database.id);
    if (daemon === undefined) {
      daemon = this.#factory(database);
      this.#daemons.set(database.id, daemon);
      const notify = this.#onAgentFailed;
      if (notify !== undefined && typeof daemon.onAgentFailed === 'function')
        this.#unsubscribe.set(
          daemon,
          daemon.onAgentFailed(() => notify()),
        );
    }
    return daemon;
  }

  peek(databaseId: string): ProjectionDaemon | undefined {
    return this.#daemons.get(databaseId);
  }

  anyPaused(): boolean {
    for (const daemon of this.#daemons.values()) if (daemon.anyPaused()) return true;
    return false;
  }

  /** Disposes the daemons of databases not in `present`. */
  async retain(present: ReadonlySet<string>): Promise<void> {
    const gone = [...this.#daemons.entries()].filter(([id]) => !present.has(id));
    for (const [id] of gone) this.#daemons.delete(id);
    await Promise.all(gone.map(([id, daemon]) => this.#dispose(id, daemon)));
  }

  /** Stops every agent of every daemon, waiting at most `timeoutMs` in total (never rejects). */
  async stopAll(reason: unknown): Promise<void> {
    await Promise.all(
      [...this.#daemons.entries()].map(async ([id, daemon]) => {
        try {
          await daemon.stopAll(reason);
        } catch (error) {
          this.#logger.warn('daemon stopAll failed', { database: id, error });
        }
      }),
    );
  }

  async disposeAll(): Promise<void> {
    const all = [...this.#daemons.entries()];
    this.#daemons.clear();
    await Promise.all(all.map(([id, daemon]) => this.#dispose(id, daemon)));
  }

  async #dispose(id: string, daemon: ProjectionDaemon): Promise<void> {
    this.#unsubscribe.get(daemon)?.();
    this.#unsubscribe.delete(daemon);
    try {
      await daemon.dispose();
    } catch (error) {
      this.#logger.warn('daemon dispose failed', { database: id, error });
    }
  }
}
