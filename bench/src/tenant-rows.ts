import type { Row } from './stats';
import type { TenantsResult } from './tenants';

/**
 * The rows of benchmark 5 for one server: `group` names it (PostgreSQL's, or `sqlserver 5 ...`);
 * `withRefusals` adds the "too many clients" row (PostgreSQL's private cluster with a connection
 * cap; SQL Server's cap is a server-wide setting the bench does not change).
 */
export function tenantRows(group: string, tenants: number, home: TenantsResult, baseline: TenantsResult, withRefusals: boolean): Row[] {
  const rows: Row[] = [
    {
      group,
      metric: 'lock connections per node',
      unit: 'n',
      ours: home.lockConnectionsPerNode,
      baseline: baseline.lockConnectionsPerNode,
      target: '<= 2',
      met: home.lockConnectionsPerNode <= 2,
    },
    { group, metric: 'lock connections, all nodes', unit: 'n', ours: home.lockConnectionsTotal, baseline: baseline.lockConnectionsTotal },
    ...(withRefusals
      ? [
          {
            group,
            metric: '"too many clients" refusals',
            unit: 'n',
            ours: home.tooManyClients,
            baseline: baseline.tooManyClients,
            target: '= 0',
            met: home.tooManyClients === 0,
          },
        ]
      : []),
    {
      group,
      metric: 'tenants owned',
      unit: 'n',
      ours: home.tenantsOwned,
      baseline: baseline.tenantsOwned,
      target: `= ${tenants}`,
      met: home.tenantsOwned === tenants,
    },
    {
      group,
      metric: 'every tenant owned, from first start',
      unit: 'ms',
      ours: home.ownedAllFromStartMs,
      baseline: baseline.ownedAllFromStartMs,
      target: '<= 2000',
      met: home.ownedAllFromStartMs <= 2000,
    },
    { group, metric: 'every tenant owned, from spawn', unit: 'ms', ours: home.ownedAllFromSpawnMs, baseline: baseline.ownedAllFromSpawnMs },
    {
      group,
      metric: 'lock requests (attempts + probes) per cycle per node',
      unit: 'n',
      ours: home.requestsPerCycle,
      baseline: baseline.roundTripsPerCycle /* verification off: all attempts */,
      target: '<= 1 per lock server',
      met: home.requestsPerCycle <= 1.05,
    },
    {
      group,
      metric: 'lock round trips per cycle per node, verification incl.',
      unit: 'n',
      ours: home.roundTripsPerCycle,
      baseline: baseline.roundTripsPerCycle,
    },
    { group, metric: 'ledger overlaps', unit: 'n', ours: home.overlaps, baseline: baseline.overlaps, target: '= 0', met: home.overlaps === 0 },
  ];
  if (home.sigkill !== undefined) {
    for (const key of ['median', 'p99', 'worst'] as const) {
      rows.push({
        group,
        metric: `sigkill running elsewhere ${key}`,
        unit: 'ms',
        ours: home.sigkill[key],
        baseline: Number.NaN,
        ...(key === 'p99' ? { target: '<= 100', met: home.sigkill.p99 <= 100 } : {}),
      });
    }
  }
  return rows;
}
