import { randomInt, randomUUID } from 'node:crypto';
import type { AppLock, LockLostEvent } from '../app-lock';
import type { LockId } from '../lock-id';

/** Distinct random positive 32-bit ids (other suites may share the database). */
export function randomIds(count: number): number[] {
  const ids = new Set<number>();
  while (ids.size < count) ids.add(randomInt(1_000_000, 2_147_483_647));
  return [...ids];
}

/** A random lock name with a recognisable prefix. */
export function randomName(tag = 'conformance'): string {
  return `polecat-${tag}-${randomUUID()}`;
}

/** A random name of exactly `length` characters. */
export function randomNameOfLength(length: number): string {
  const seed = randomUUID().replace(/-/g, '');
  let name = '';
  while (name.length < length) name += seed;
  return name.slice(0, length);
}

/** Resolves with the first loss event that names `id`, and how long after `since` it arrived. */
export function waitForLoss(lock: AppLock, id: LockId, since: number, timeoutMs: number): Promise<{ event: LockLostEvent; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no loss of ${String(id)} announced within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = lock.onLockLost((event) => {
      if (!event.ids.includes(id)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve({ event, elapsedMs: performance.now() - since });
    });
  });
}

/** Polls `check` every 20 ms until it resolves `true` or `timeoutMs` passes; resolves with the last answer. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Prints a measured figure so it can be quoted from the test log. */
export function report(suite: string, message: string): void {
  console.log(`[conformance:${suite}] ${message}`);
}
