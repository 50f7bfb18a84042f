import { describe, expect, it } from 'vitest';
import { maskSecrets, stderrLogger, type Clock } from '../src/index';

function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  return { now: () => now, sleep: () => Promise.resolve(), advance: (ms) => (now += ms) };
}

describe('stderrLogger', () => {
  it('writes warnings and errors as one line each, and drops debug and info', () => {
    const lines: string[] = [];
    const logger = stderrLogger({ write: (line) => lines.push(line) });
    logger.debug('d');
    logger.info('i');
    logger.warn('database unreachable', { database: 'default', error: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
    logger.error('agent failed');
    expect(lines).toEqual(['polecat WARN database unreachable database="default" error="Error ECONNREFUSED: refused"', 'polecat ERROR agent failed']);
  });

  it('prints a repeated problem once per interval with the number of repeats', () => {
    const lines: string[] = [];
    const clock = manualClock();
    const logger = stderrLogger({ write: (line) => lines.push(line), clock, repeatIntervalMs: 1000 });
    for (let i = 0; i < 5; i++) logger.warn('same');
    logger.warn('other');
    clock.advance(1000);
    logger.warn('same');
    expect(lines).toEqual(['polecat WARN same', 'polecat WARN other', 'polecat WARN same repeated=4']);
  });

  it('never prints a password', () => {
    const lines: string[] = [];
    stderrLogger({ write: (line) => lines.push(line) }).error('cannot connect', {
      cause: 'postgres://app:s3cret@db/app',
      conn: 'host=db password=s3cret dbname=app',
    });
    expect(lines.join('\n')).not.toContain('s3cret');
    expect(maskSecrets('Server=db;Password=s3cret;User Id=sa')).toBe('Server=db;Password=***;User Id=sa');
  });
});
