// runShards with real pino and winston: a failing agent's log line keeps its message and its error.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import winston from 'winston';
import { describe, expect, it, vi } from 'vitest';
import { InMemoryLockServer, runShards, type ConsoleLike } from '../src/index';

function jsonLines(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

async function failingAgentLogs(logger: ConsoleLike, lines: () => Record<string, unknown>[], messageKey: string): Promise<Record<string, unknown>> {
  const failing = async (): Promise<void> => {
    throw new Error('projection table missing');
  };
  const coordinator = await runShards({
    connection: { backend: 'memory', server: new InMemoryLockServer() },
    shards: { Trip: failing },
    logger,
    settings: { takeoverGraceMs: 0 },
  });
  try {
    await expect.poll(() => lines().find((line) => line[messageKey] === 'agent failed; paused'), { timeout: 5000 }).toBeDefined();
    return lines().find((line) => line[messageKey] === 'agent failed; paused')!;
  } finally {
    await coordinator.stop();
  }
}

describe('runShards logs through real loggers', () => {
  it('pino: the error under err with its message and stack, the fields intact', async () => {
    const { stream, lines } = jsonLines();
    const line = await failingAgentLogs(pino({ base: null }, stream), lines, 'msg');
    expect(line).toMatchObject({ level: 40, shard: 'Trip:All', database: 'default', err: { type: 'Error', message: 'projection table missing' } });
    expect((line.err as { stack?: string }).stack).toContain('projection table missing');
  });

  it('winston: the message, the fields and the error as plain fields', async () => {
    const { stream, lines } = jsonLines();
    const logger = winston.createLogger({ format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
    const line = await failingAgentLogs(logger, lines, 'message');
    expect(line).toMatchObject({ level: 'warn', shard: 'Trip:All', database: 'default', error: { type: 'Error', message: 'projection table missing' } });
  });
});

describe('runShards without a logger', () => {
  it.each([
    ['no logger: one stderr line for the failing agent', undefined, 1],
    ['logger: false: nothing', false as const, 0],
  ])('%s', async (_name, logger, expected) => {
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let calls = 0;
    const failing = async (): Promise<void> => {
      calls += 1;
      throw new Error('projection table missing');
    };
    try {
      const coordinator = await runShards({
        connection: { backend: 'memory', server: new InMemoryLockServer() },
        shards: { Trip: failing },
        settings: { takeoverGraceMs: 0 },
        ...(logger === undefined ? {} : { logger }),
      });
      await expect.poll(() => calls, { timeout: 5000 }).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await coordinator.stop();
    } finally {
      write.mockRestore();
    }
    const failures = written.filter((line) => line.includes('agent failed; paused'));
    expect(failures).toHaveLength(expected);
    if (expected === 1)
      expect(failures[0]).toMatch(/^polecat WARN agent failed; paused shard="Trip:All" database="default" error="Error: projection table missing"\n$/);
  });
});
