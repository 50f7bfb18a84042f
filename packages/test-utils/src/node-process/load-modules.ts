import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NodeModulesConfig } from './protocol';

/** The few members of the workspace packages the node process uses (structural: test-utils depends on none of them). */
export interface ShardNameLike {
  readonly identity: string;
}
export interface LockLike {
  stats(): { readonly roundTrips: number };
  /** The periodic verification calls it (counted by the node process, see `NodeUsage.verifications`). */
  verifyLocks?(...args: unknown[]): Promise<unknown>;
  heldLocks?(): readonly unknown[];
}
export interface DistributorModule {
  shardName(name: string): ShardNameLike;
  SingleTenantProjectionDistributor: new (options: Record<string, unknown>) => object;
  MultiTenantedProjectionDistributor: new (options: Record<string, unknown>) => object;
}
export interface AppLockPostgresModule {
  PostgresAppLock: new (url: string, options: Record<string, unknown>) => LockLike;
}
export interface AgentContextLike {
  readonly signal: AbortSignal;
  readonly shard: ShardNameLike;
  readonly database: { readonly id: string };
}
export interface CoordinatorLike {
  start(): Promise<void>;
  /** Resolves with the coordinator's `StopResult` (older coordinators: nothing). */
  stop(): Promise<{ readonly drained: boolean; readonly draining: readonly { readonly key: string; readonly shards: readonly string[] }[] } | void>;
  /** Resolves once every agent returned and every lock was released after a stop. */
  whenSettled(): Promise<void>;
  on(event: string, listener: (payload: Record<string, unknown>) => void): () => void;
  status(): { readonly owned: readonly unknown[] };
}
export interface CoordinatorModule {
  ProjectionCoordinator: new (options: Record<string, unknown>) => CoordinatorLike;
  createFunctionDaemonFactory(agents: (shard: ShardNameLike) => (context: AgentContextLike) => Promise<void>): unknown;
}

export interface LoadedModules {
  readonly coordinator: CoordinatorModule;
  readonly distributors: DistributorModule;
  readonly appLockPostgres: AppLockPostgresModule;
}

/**
 * Resolves a package specifier to its ESM entry as seen from `fromDir` (the `import` condition of
 * its exports map), or takes an absolute path / file URL as is.
 */
export function resolveEsm(specifier: string, fromDir: string): string {
  if (specifier.startsWith('file:')) return specifier;
  if (isAbsolute(specifier)) return pathToFileURL(specifier).href;
  const require = createRequire(join(resolve(fromDir), 'noop.js'));
  try {
    const manifestPath = require.resolve(`${specifier}/package.json`);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: unknown; module?: string; main?: string };
    const entry = importEntry(manifest.exports) ?? manifest.module;
    if (entry !== undefined) return pathToFileURL(join(dirname(manifestPath), entry)).href;
  } catch {
    // no package.json export: fall back to plain resolution
  }
  return pathToFileURL(require.resolve(specifier)).href;
}

function importEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const root = (exports as Record<string, unknown>)['.'] ?? exports;
  if (typeof root === 'string') return root;
  if (typeof root !== 'object' || root === null) return undefined;
  const conditional = root as Record<string, unknown>;
  const chosen = conditional.import ?? conditional.default;
  if (typeof chosen === 'string') return chosen;
  if (typeof chosen === 'object' && chosen !== null) {
    const nested = (chosen as Record<string, unknown>).default;
    return typeof nested === 'string' ? nested : undefined;
  }
  return undefined;
}

/** Imports the three workspace packages a node needs. */
export async function loadModules(modules: NodeModulesConfig = {}, fromDir: string = process.cwd()): Promise<LoadedModules> {
  const [coordinator, distributors, appLockPostgres] = await Promise.all([
    import(resolveEsm(modules.coordinator ?? '@polecat/coordinator', fromDir)),
    import(resolveEsm(modules.distributors ?? '@polecat/distributors', fromDir)),
    import(resolveEsm(modules.appLockPostgres ?? '@polecat/app-lock-postgres', fromDir)),
  ]);
  return {
    coordinator: coordinator as CoordinatorModule,
    distributors: distributors as DistributorModule,
    appLockPostgres: appLockPostgres as AppLockPostgresModule,
  };
}
