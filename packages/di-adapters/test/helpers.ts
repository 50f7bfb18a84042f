import { InMemoryLockServer } from '@polecat/app-lock';
import type { AgentFunction } from '@polecat/coordinator';
import { computeLockId } from '@polecat/distributors';

/** Fast timings for tests. */
export const FAST = { leadershipPollingTimeMs: 50, stopDrainTimeoutMs: 2000 } as const;

/** Agents that run until aborted, counting starts and stops. */
export function trackedAgents(names: readonly string[]): {
  readonly agents: Record<string, AgentFunction>;
  readonly running: Set<string>;
  readonly starts: string[];
  readonly stops: string[];
} {
  const running = new Set<string>();
  const starts: string[] = [];
  const stops: string[] = [];
  const agents: Record<string, AgentFunction> = {};
  for (const name of names) {
    agents[name] = async ({ signal }) => {
      running.add(name);
      starts.push(name);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      running.delete(name);
      stops.push(name);
    };
  }
  return { agents, running, starts, stops };
}

/** A fresh daemonLockId base per test so lock ids never clash across suites. */
export function randomLockBase(): number {
  return 100_000 + Math.floor(Math.random() * 1_000_000_000);
}

/** The SingleTenant lock ids of `names` (schema dbo, default database). */
export function lockIdsOf(names: readonly string[], daemonLockId: number, schema = 'dbo'): number[] {
  return names.map((name) => computeLockId(schema, `${name}:All`, daemonLockId));
}

export function memoryServer(): InMemoryLockServer {
  return new InMemoryLockServer();
}
