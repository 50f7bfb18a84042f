import { describe, expect, it } from 'vitest';
import { ListenerSet, logListenerError, type Logger } from '../src/index';

describe('ListenerSet', () => {
  it('calls every listener with the event, in subscription order', () => {
    const set = new ListenerSet<[number]>();
    const seen: string[] = [];
    set.add((n) => seen.push(`a${n}`));
    set.add((n) => seen.push(`b${n}`));
    set.emit(1);
    expect(seen).toEqual(['a1', 'b1']);
    expect(set.size).toBe(2);
  });

  it('stops calling a listener once its disposer ran (twice is harmless)', () => {
    const set = new ListenerSet();
    let calls = 0;
    const off = set.add(() => calls++);
    set.emit();
    off();
    off();
    set.emit();
    expect(calls).toBe(1);
    expect(set.size).toBe(0);
  });

  it('reports a throwing listener and still calls the others', () => {
    const errors: unknown[] = [];
    const set = new ListenerSet<[string]>((error) => errors.push(error));
    const seen: string[] = [];
    const failure = new Error('listener failed');
    set.add(() => {
      throw failure;
    });
    set.add((event) => seen.push(event));
    expect(() => set.emit('x')).not.toThrow();
    expect(seen).toEqual(['x']);
    expect(errors).toEqual([failure]);
  });

  it('drops listener errors by default, and survives a reporter that throws', () => {
    const quiet = new ListenerSet();
    quiet.add(() => {
      throw new Error('ignored');
    });
    expect(() => quiet.emit()).not.toThrow();
    const loud = new ListenerSet(() => {
      throw new Error('reporter failed');
    });
    let reached = false;
    loud.add(() => {
      throw new Error('listener failed');
    });
    loud.add(() => {
      reached = true;
    });
    expect(() => loud.emit()).not.toThrow();
    expect(reached).toBe(true);
  });

  it('calls the listeners present when the emit began (one added during it waits for the next)', () => {
    const set = new ListenerSet();
    const seen: string[] = [];
    let offB = (): void => {};
    set.add(() => {
      seen.push('a');
      offB();
      set.add(() => seen.push('late'));
    });
    offB = set.add(() => seen.push('b'));
    set.emit();
    expect(seen).toEqual(['a', 'b']);
    set.emit();
    expect(seen).toEqual(['a', 'b', 'a', 'late']);
  });

  it('subscribes one function once, like addEventListener', () => {
    const set = new ListenerSet();
    let calls = 0;
    const listener = (): void => {
      calls++;
    };
    set.add(listener);
    set.add(listener);
    set.emit();
    expect(calls).toBe(1);
  });

  it('passes every argument of an event', () => {
    const set = new ListenerSet<[string, number]>();
    const seen: string[] = [];
    set.add((database, count) => seen.push(`${database}:${count}`));
    set.emit('main', 3);
    expect(seen).toEqual(['main:3']);
  });

  it('forgets every listener on clear', () => {
    const set = new ListenerSet();
    let calls = 0;
    set.add(() => calls++);
    set.clear();
    set.emit();
    expect(calls).toBe(0);
  });
});

describe('logListenerError', () => {
  it('logs a throwing listener at error level, naming the event', () => {
    const logged: { message: string; context?: Record<string, unknown> }[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message, context) => void logged.push({ message, context }) };
    const set = new ListenerSet<[string]>(logListenerError(logger, 'member-left'));
    const failure = new Error('boom');
    set.add(() => {
      throw failure;
    });
    set.emit('main');
    expect(logged).toEqual([{ message: 'a member-left listener threw', context: { error: failure } }]);
  });
});
