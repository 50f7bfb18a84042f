/** The two attempt methods of a `ProjectionDistributor` (declared structurally: test-utils does not depend on it). */
export interface AttemptingDistributor<Set extends { readonly key: string }, Options> {
  tryAttain(set: Set, options?: Options): Promise<boolean>;
  tryAttainMany(sets: readonly Set[], options?: Options): Promise<ReadonlySet<string>>;
}

/**
 * Wraps a distributor so that `tryAttainMany` behaves like the original .NET coordinator: one
 * `tryAttain` per set, awaited in sequence (one database round trip per set), instead of one batched
 * round trip per database. Everything else is delegated unchanged (methods bound to the original, so
 * private fields keep working). Used as the benchmarks' baseline.
 * @example new ProjectionCoordinator({ mode: 'HotCold', distributor: sequentialAttempts(distributor), daemonFor })
 */
export function sequentialAttempts<Set extends { readonly key: string }, Options, D extends AttemptingDistributor<Set, Options>>(distributor: D): D {
  const tryAttainMany = async (sets: readonly Set[], options?: Options): Promise<ReadonlySet<string>> => {
    const held = new Set<string>();
    for (const set of sets) {
      try {
        if (await distributor.tryAttain(set, options)) held.add(set.key);
      } catch (error) {
        if ((options as { signal?: AbortSignal } | undefined)?.signal?.aborted) throw error;
        // the original logs and moves on to the next set
      }
    }
    return held;
  };
  return new Proxy(distributor, {
    get(target, property) {
      if (property === 'tryAttainMany') return tryAttainMany;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
