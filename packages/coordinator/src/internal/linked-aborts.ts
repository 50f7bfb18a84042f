/**
 * Aborts child controllers when their parent signal aborts, with ONE listener per parent signal
 * however many children it has (an `AbortSignal.any` per child costs memory, see the README,
 * *Scale*, and keeps weak references in every source). Children unlink when they settle.
 */
export class LinkedAborts {
  readonly #children = new WeakMap<AbortSignal, Set<AbortController>>();

  /** `child` aborts (with the parent's reason) when `parent` does; returns the unlink function. */
  link(parent: AbortSignal, child: AbortController): () => void {
    if (parent.aborted) {
      child.abort(parent.reason);
      return () => undefined;
    }
    let group = this.#children.get(parent);
    if (group === undefined) {
      const members = new Set<AbortController>();
      group = members;
      this.#children.set(parent, members);
      parent.addEventListener(
        'abort',
        () => {
          this.#children.delete(parent);
          for (const member of members) member.abort(parent.reason);
          members.clear();
        },
        { once: true },
      );
    }
    const members = group;
    members.add(child);
    return () => {
      members.delete(child);
    };
  }
}
