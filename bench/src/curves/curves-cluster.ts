import pg from 'pg';
import { PrivateCluster, findPostgresBin } from '@polecat/test-utils';

/** Ports of the cost curves' private clusters (issue 24: away from the other benches' 16340 and chaos). */
export const CURVES_PORTS = { shardsAndNodes: 16510, tenants: 16520 } as const;

/**
 * A private cluster for the shard and node curves: 300 connections (32 nodes) and room for
 * 100 000 advisory locks in one session (`max_locks_per_transaction` 1024; the default 64 holds
 * about 6 400 for the whole server), so the curves neither crowd nor starve the shared server.
 */
export async function startCurvesCluster(): Promise<{ url: string; destroy: () => Promise<void> }> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (needed for the private cluster)');
  const cluster = await PrivateCluster.start({
    bin,
    port: CURVES_PORTS.shardsAndNodes,
    listen: ['127.0.0.1'],
    maxConnections: 300,
    dirPrefix: 'polecat-bench-curves-',
  });
  try {
    const admin = new pg.Client({ connectionString: cluster.url('postgres'), application_name: 'bench-curves-admin' });
    await admin.connect();
    await admin.query('ALTER SYSTEM SET max_locks_per_transaction = 1024');
    await admin.end();
    await cluster.restart();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return { url: cluster.url('postgres'), destroy: () => cluster.destroy() };
}
