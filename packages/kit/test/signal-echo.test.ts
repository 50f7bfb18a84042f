import { describe, expect, it } from 'vitest';
import { SIGNAL_ECHO_WINDOW_MS, signalEcho } from '../src/index';

describe('signalEcho', () => {
  it('the same signal within the window is an echo of the first; at the window or later it is a second signal', () => {
    let now = 1_000;
    const echo = signalEcho({ clock: { now: () => now } });
    echo.first('SIGTERM');
    now += SIGNAL_ECHO_WINDOW_MS - 1;
    expect(echo.isEcho('SIGTERM')).toBe(true);
    now += 1;
    expect(echo.isEcho('SIGTERM')).toBe(false);
  });

  it('another signal is never an echo, nor anything before a first signal or after the clock was set back', () => {
    let now = 10_000;
    const echo = signalEcho({ clock: { now: () => now }, windowMs: 200 });
    expect(echo.isEcho('SIGINT')).toBe(false);
    echo.first('SIGINT');
    expect(echo.isEcho('SIGTERM')).toBe(false);
    expect(echo.isEcho('SIGINT')).toBe(true);
    now -= 5_000;
    expect(echo.isEcho('SIGINT')).toBe(false);
  });
});
