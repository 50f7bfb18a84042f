import { describe, expect, it, vi } from 'vitest';
import { silentLogger, toLogger, type Logger, type PinoLike } from '../src/index';

describe('toLogger', () => {
  it('is silent without a logger', () => {
    expect(toLogger(undefined)).toBe(silentLogger);
    expect(() => silentLogger.error('nothing', { a: 1 })).not.toThrow();
  });

  it('passes (message, context) to a console-shaped logger, and the message alone without context', () => {
    const warn = vi.fn();
    const logger = toLogger({ debug: vi.fn(), info: vi.fn(), warn, error: vi.fn() });
    logger.warn('careful', { shard: 's1' });
    logger.warn('bare');
    expect(warn.mock.calls).toEqual([['careful', { shard: 's1' }], ['bare']]);
  });

  it('passes (context, message) to a pino-shaped logger', () => {
    const info = vi.fn();
    const pinoShaped: PinoLike = { debug: vi.fn(), info, warn: vi.fn(), error: vi.fn(), child: vi.fn(), level: 'info' };
    toLogger(pinoShaped).info('owned', { shards: 3 });
    expect(info).toHaveBeenCalledWith({ shards: 3 }, 'owned');
  });

  it('keeps the adapted logger as `this` of its methods', () => {
    const lines: string[] = [];
    const target: Logger & { prefix: string } = {
      prefix: 'node-a',
      debug() {},
      info(this: { prefix: string }, message: string) {
        lines.push(`${this.prefix}: ${message}`);
      },
      warn() {},
      error() {},
    };
    toLogger(target).info('started');
    expect(lines).toEqual(['node-a: started']);
  });
});
