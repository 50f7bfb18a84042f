import { Writable } from 'node:stream';
import { pino } from 'pino';
import winston from 'winston';
import { describe, expect, it, vi } from 'vitest';
import { toLogger } from '../src/index';

function sink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('toLogger with real loggers', () => {
  it('gives pino the error under err, so its serializer keeps the message, type and stack', () => {
    const { stream, lines } = sink();
    const logger = toLogger(pino({ base: null }, stream));
    logger.error('agent failed; paused', { shard: 'default/Trip:All', error: Object.assign(new Error('boom'), { code: 'E_BOOM' }) });
    const [line] = lines();
    expect(line).toMatchObject({ msg: 'agent failed; paused', shard: 'default/Trip:All', err: { type: 'Error', message: 'boom', code: 'E_BOOM' } });
    expect((line!.err as { stack: string }).stack).toContain('boom');
    expect(line).not.toHaveProperty('error');
  });

  it('gives winston the message and the error as plain fields (winston is not taken for pino)', () => {
    const { stream, lines } = sink();
    const logger = toLogger(winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }));
    logger.warn('database unreachable; retrying with backoff', { database: 'default', error: new Error('refused') });
    const [line] = lines();
    expect(line).toMatchObject({
      level: 'warn',
      message: 'database unreachable; retrying with backoff',
      database: 'default',
      error: { type: 'Error', message: 'refused' },
    });
  });

  it('gives console the message first and the error object itself', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = new Error('late');
    toLogger(console).warn('agent overran', { error });
    expect(warn).toHaveBeenCalledWith('agent overran', { error });
    warn.mockRestore();
  });

  it('is silent for false', () => {
    expect(() => toLogger(false).error('nothing')).not.toThrow();
  });
});
