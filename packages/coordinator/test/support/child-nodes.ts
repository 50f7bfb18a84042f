import { fileURLToPath } from 'node:url';
import { startTcpProxy, spawnNode, type NodeHandle, type OwnershipLedger, type SpawnNodeOptions, type TcpProxy } from '@polecat/test-utils';
import { FAST_LOCK, FAST_SETTINGS } from './in-process-node';

/** This package's own sources, so the child runs the coordinator under test (not a stale dist). */
export const COORDINATOR_SOURCE = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

/** A child-process node and the TCP proxy its lock connection goes through. */
export interface ProxiedNode {
  readonly node: NodeHandle;
  readonly proxy: TcpProxy;
}

/** Starts `count` child nodes over `shards` shards of `url`, each behind its own proxy, in parallel. */
export async function startProxiedNodes(options: {
  readonly url: string;
  readonly ids: readonly string[];
  readonly shards: number;
  readonly shardPrefix: string;
  readonly daemonLockId: number;
  readonly ledger: OwnershipLedger;
  readonly extra?: Partial<SpawnNodeOptions>;
}): Promise<ProxiedNode[]> {
  const target = new URL(options.url);
  return Promise.all(
    options.ids.map(async (id) => {
      const proxy = await startTcpProxy({ target: { host: target.hostname, port: Number(target.port || 5432) } });
      try {
        const node = await spawnNode({
          id,
          databases: [{ id: 'main', url: proxy.rewriteUrl(options.url) }],
          shards: options.shards,
          shardPrefix: options.shardPrefix,
          daemonLockId: options.daemonLockId,
          ledger: options.ledger,
          coordinator: { ...FAST_SETTINGS, takeoverPollingTimeMs: 250 },
          lock: FAST_LOCK,
          logLevel: 'warn',
          modules: { coordinator: COORDINATOR_SOURCE },
          ...options.extra,
        });
        return { node, proxy };
      } catch (error) {
        await proxy.close();
        throw error;
      }
    }),
  );
}
