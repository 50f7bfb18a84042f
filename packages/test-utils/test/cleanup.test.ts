import { describe, expect, it } from 'vitest';
import { CleanupStack } from '../src/index';
import { cleanupAfterEach } from '../src/vitest/index';

describe('CleanupStack', () => {
  it('runs the steps newest first, awaiting each, and forgets them', async () => {
    const stack = new CleanupStack();
    const order: string[] = [];
    stack.add(() => order.push('first'));
    stack.add(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('second');
    });
    expect(stack.size).toBe(2);
    await stack.run();
    expect(order).toEqual(['second', 'first']);
    expect(stack.size).toBe(0);
    await stack.run();
    expect(order).toEqual(['second', 'first']);
  });

  it('runs every step even when some fail, then throws the failure', async () => {
    const stack = new CleanupStack();
    let ran = false;
    stack.add(() => {
      ran = true;
    });
    stack.add(() => {
      throw new Error('dispose failed');
    });
    await expect(stack.run()).rejects.toThrow('dispose failed');
    expect(ran).toBe(true);
  });

  it('throws every failure together when several steps fail', async () => {
    const stack = new CleanupStack();
    stack.add(() => Promise.reject(new Error('a')));
    stack.add(() => Promise.reject(new Error('b')));
    await expect(stack.run()).rejects.toBeInstanceOf(AggregateError);
  });
});

describe('cleanupAfterEach', () => {
  const cleanup = cleanupAfterEach();
  const undone: string[] = [];

  it('registers undo steps during a test', () => {
    cleanup(() => undone.push('one'));
    cleanup(() => undone.push('two'));
    expect(undone).toEqual([]);
  });

  it('ran them, newest first, after the previous test', () => {
    expect(undone).toEqual(['two', 'one']);
  });
});
