import { LockLostError, type AttainOptions } from '@polecat/app-lock';
import type { ProjectionDistributor, ProjectionSet, SetsLostEvent } from '@polecat/distributors';

/** A structural fake of ProjectionDistributor recording every call. */
export class FakeDistributor implements ProjectionDistributor {
  readonly kind: ProjectionDistributor['kind'];
  sets: ProjectionSet[];
  readonly held = new Set<string>();
  readonly calls: string[] = [];
  /** Shared with fakes of daemons to check orderings. */
  readonly log: string[];
  grantable: (set: ProjectionSet) => boolean = () => true;
  buildError: Error | undefined;
  attemptError: Error | undefined;
  disposed = false;
  readonly #signals = new Map<string, AbortController>();
  readonly #listeners = new Set<(event: SetsLostEvent) => void>();

  constructor(sets: ProjectionSet[], options: { kind?: ProjectionDistributor['kind']; log?: string[] } = {}) {
    this.sets = sets;
    this.kind = options.kind ?? 'single-tenant';
    this.log = options.log ?? [];
  }

  #record(call: string): void {
    this.calls.push(call);
    this.log.push(`distributor.${call}`);
  }

  count(call: string): number {
    return this.calls.filter((c) => c === call || c.startsWith(`${call}(`)).length;
  }

  async buildDistribution(): Promise<readonly ProjectionSet[]> {
    this.#record('buildDistribution');
    if (this.buildError !== undefined) throw this.buildError;
    return [...this.sets];
  }

  async randomWait(): Promise<void> {
    this.#record('randomWait');
  }

  hasLock(set: ProjectionSet): boolean {
    return this.kind === 'solo' || this.held.has(set.key);
  }

  lockSignal(set: ProjectionSet): AbortSignal | undefined {
    return this.#signals.get(set.key)?.signal;
  }

  /** Marks a set held (as if granted earlier). */
  grant(set: ProjectionSet): void {
    this.held.add(set.key);
    this.#signals.set(set.key, new AbortController());
  }

  async tryAttain(set: ProjectionSet): Promise<boolean> {
    this.#record(`tryAttain(${set.key})`);
    if (this.grantable(set)) this.grant(set);
    return this.held.has(set.key);
  }

  async tryAttainMany(sets: readonly ProjectionSet[], _options?: AttainOptions): Promise<ReadonlySet<string>> {
    this.#record(`tryAttainMany(${sets.map((set) => set.key).join(',')})`);
    if (this.attemptError !== undefined) throw this.attemptError;
    for (const set of sets) if (!this.held.has(set.key) && this.grantable(set)) this.grant(set);
    return new Set(sets.filter((set) => this.held.has(set.key)).map((set) => set.key));
  }

  #drop(set: ProjectionSet, error: LockLostError): void {
    this.held.delete(set.key);
    this.#signals.get(set.key)?.abort(error);
    this.#signals.delete(set.key);
  }

  async release(set: ProjectionSet): Promise<void> {
    this.#record(`release(${set.key})`);
    this.#drop(set, new LockLostError([set.lockId], 'released'));
  }

  async releaseAll(): Promise<void> {
    this.#record('releaseAll');
    for (const set of this.sets) this.#drop(set, new LockLostError([set.lockId], 'released'));
    this.held.clear();
  }

  /** Simulates a dead lock connection: the set is lost and listeners are told at once. */
  lose(...sets: ProjectionSet[]): LockLostError {
    const error = new LockLostError(
      sets.map((set) => set.lockId),
      'connection-lost',
    );
    for (const set of sets) this.#drop(set, error);
    for (const listener of [...this.#listeners]) listener({ sets, error });
    return error;
  }

  onSetsLost(listener: (event: SetsLostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  async dispose(): Promise<void> {
    this.#record('dispose');
    this.disposed = true;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
