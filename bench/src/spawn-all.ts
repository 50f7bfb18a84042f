/**
 * Starts `count` node processes with `spawn`, pushing each into `into` the moment it is up, so the
 * caller's `finally` stops every process that did start even when another failed (a `ready`
 * timeout on a loaded machine, say). Rejects with the first failure once every spawn settled.
 */
export async function spawnAll<T>(count: number, spawn: () => Promise<T>, into: T[]): Promise<T[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, async () => {
      const node = await spawn();
      into.push(node);
      return node;
    }),
  );
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<T>).value);
}
