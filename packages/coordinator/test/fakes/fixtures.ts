import type { Clock, Logger } from '@polecat/app-lock';
import type { ProjectionDatabase, ProjectionSet, ShardName } from '@polecat/distributors';

export function shard(name: string, shardKey = 'All'): ShardName {
  return { name, shardKey, version: 1, identity: `${name}:${shardKey}` };
}

export const mainDb: ProjectionDatabase = { id: 'main', schema: 'dbo' };

/** One set per shard name (single-tenant shape), lock ids 1000+i. */
export function setsOf(names: readonly string[], database: ProjectionDatabase = mainDb): ProjectionSet[] {
  return names.map((name, index) => ({ key: `${database.id}/${1000 + index}`, lockId: 1000 + index, database, names: [shard(name)] }));
}

/** Manual `now`, real (unref'd) sleeps: time-dependent decisions are deterministic, waits are real. */
export class ManualClock implements Clock {
  time = 1_000_000;
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly context?: Record<string, unknown>;
}

export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, context?: Record<string, unknown>) => {
    lines.push(context === undefined ? { level, message } : { level, message, context });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
