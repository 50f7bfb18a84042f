import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTsxProcess } from '../src/index';

const SCRIPT = fileURLToPath(new URL('./fixtures/json-echo.ts', import.meta.url));
const EXEC_ARGV = fileURLToPath(new URL('./fixtures/exec-argv.ts', import.meta.url));

describe('startTsxProcess', () => {
  it('runs a TypeScript program, parses its JSON lines, sends it commands and reports its exit', { timeout: 30_000 }, async () => {
    const messages: unknown[] = [];
    const other: string[] = [];
    const stderr: string[] = [];
    let greeted: () => void = () => {};
    const greeting = new Promise<void>((resolve) => (greeted = resolve));
    const child = startTsxProcess({
      script: SCRIPT,
      args: ['node-a'],
      onMessage: (message) => {
        messages.push(message);
        if (messages.length === 2) greeted();
      },
      onOtherLine: (line) => other.push(line),
      onStderr: (line) => stderr.push(line),
    });
    expect(child.alive).toBe(true);
    child.send({ ping: 1 });
    await greeting;
    child.send({ exit: 3 });
    const exit = await child.exited;
    expect(exit).toMatchObject({ code: 3, signal: null });
    expect(exit.at).toBeGreaterThan(0);
    expect(child.alive).toBe(false);
    expect(messages).toEqual([{ hello: 'node-a' }, { echo: { ping: 1 } }]);
    expect(other).toEqual(['not json']);
    expect(child.stderrTail()).toEqual(['a diagnostic line']);
    expect(stderr).toEqual(['a diagnostic line']);
    expect(() => child.send({ ignored: true })).not.toThrow();
  });

  it('passes nodeArgs to Node, for this process only', { timeout: 30_000 }, async () => {
    const run = async (nodeArgs?: readonly string[]): Promise<unknown[]> => {
      const messages: unknown[] = [];
      const child = startTsxProcess({ script: EXEC_ARGV, ...(nodeArgs === undefined ? {} : { nodeArgs }), onMessage: (message) => messages.push(message) });
      expect((await child.exited).code).toBe(0);
      return messages;
    };
    expect(await run(['--expose-gc'])).toEqual([{ gc: 'function' }]);
    expect(await run()).toEqual([{ gc: 'undefined' }]);
  });
});
