import { systemClock, type Clock } from './clock';

/** Default window of {@link signalEcho}: the same signal again within it is the first one delivered twice. */
export const SIGNAL_ECHO_WINDOW_MS = 500;

/**
 * Tells a process signal delivered twice from a second one. A terminal sends SIGINT (Ctrl-C) or
 * SIGTERM to the whole foreground process group, and a parent that relays signals (the `tsx` CLI,
 * a process manager) sends the same signal again a few milliseconds later: the same signal within
 * `windowMs` of the first is that echo. Another signal, or the same one later (or after the clock
 * was set back), is a second signal.
 * @returns `isEcho(signal)`, to call for every signal after the first (recorded by `first(signal)`).
 * @example
 * const echo = signalEcho();
 * process.on('SIGTERM', (signal) => (received ? echo.isEcho(signal) || exit(143) : (echo.first(signal), stop())));
 */
export function signalEcho(options: { readonly windowMs?: number; readonly clock?: Pick<Clock, 'now'> } = {}): {
  first(signal: string): void;
  isEcho(signal: string): boolean;
} {
  const windowMs = options.windowMs ?? SIGNAL_ECHO_WINDOW_MS;
  const clock = options.clock ?? systemClock;
  let first: { readonly signal: string; readonly at: number } | undefined;
  return {
    first(signal) {
      first = { signal, at: clock.now() };
    },
    isEcho(signal) {
      if (first === undefined || signal !== first.signal) return false;
      const elapsed = clock.now() - first.at;
      return elapsed >= 0 && elapsed < windowMs;
    },
  };
}
