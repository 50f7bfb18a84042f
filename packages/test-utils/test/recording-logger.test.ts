import { describe, expect, it } from 'vitest';
import { recordingLogger } from '../src/index';

describe('recordingLogger', () => {
  it('keeps every line with its level, message and context (only when given)', () => {
    const logger = recordingLogger();
    logger.info('started', { shards: 2 });
    logger.warn('slow');
    expect(logger.lines).toEqual([
      { level: 'info', message: 'started', context: { shards: 2 } },
      { level: 'warn', message: 'slow' },
    ]);
    expect(logger.messages()).toEqual(['started', 'slow']);
    expect(logger.messages('warn')).toEqual(['slow']);
  });

  it('spells out errors (with their cause) and bigints in text()', () => {
    const logger = recordingLogger();
    logger.error('lock failed', { error: new Error('refused', { cause: 'password authentication failed' }), epoch: 7n });
    const text = logger.text();
    expect(text).toMatch(/^error lock failed /);
    expect(text).toContain('"message":"refused"');
    expect(text).toContain('"cause":"password authentication failed"');
    expect(text).toContain('"epoch":"7"');
    expect(text).toContain('"stack":"Error: refused');
  });
});
