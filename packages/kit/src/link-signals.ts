/** A signal that aborts when any source aborts (or after `timeoutMs`), and its cleanup. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Whether the timeout (not a source) aborted it. */
  readonly timedOut: () => boolean;
  /** Removes the listeners and the timer. Call it once the operation settled. */
  readonly unlink: () => void;
}

/**
 * Links `sources` (and an optional timeout) into one signal, with plain listeners that
 * {@link LinkedSignal.unlink} removes: no `AbortSignal.any` (whose composite signals are kept per
 * source until collected) and no `AbortSignal.timeout` (whose timer cannot be cleared).
 */
export function linkSignals(sources: readonly (AbortSignal | undefined)[], timeoutMs?: number): LinkedSignal {
  const controller = new AbortController();
  const present = sources.filter((source): source is AbortSignal => source !== undefined);
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const listeners = present.map((source) => {
    const listener = (): void => controller.abort(source.reason);
    return { source, listener };
  });
  const unlink = (): void => {
    for (const { source, listener } of listeners) source.removeEventListener('abort', listener);
    if (timer !== undefined) clearTimeout(timer);
  };
  for (const { source, listener } of listeners) {
    if (source.aborted) {
      controller.abort(source.reason);
      break;
    }
    source.addEventListener('abort', listener, { once: true });
  }
  if (!controller.signal.aborted && timeoutMs !== undefined && timeoutMs > 0) {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
  }
  if (controller.signal.aborted) unlink();
  else controller.signal.addEventListener('abort', unlink, { once: true });
  return { signal: controller.signal, timedOut: () => timedOut, unlink };
}
