/**
 * `lock` (any `AppLock`) as a server without a release-notice channel (SQL Server) shows it: the
 * same object behind a proxy whose `onReleaseNotice` is `undefined`, every other member bound to
 * the original (its private fields keep working). Lets the in-memory and PostgreSQL locks test what
 * the distributors do for SQL Server (the notice bells).
 */
export function withoutReleaseNotices<T extends object>(lock: T): T {
  return new Proxy(lock, {
    get(target, property) {
      if (property === 'onReleaseNotice') return undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
