import Table from 'cli-table3';
import type { ClusterSnapshot, IntentRecord } from '../cluster-snapshot';
import { STRANDED_LOCK_ADVICE } from '../stranded-locks';

const since = (iso: string | undefined, at: string): string => {
  if (iso === undefined) return '-';
  const ms = Date.parse(at) - Date.parse(iso);
  return `${iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (${Math.max(0, Math.round(ms / 1000))} s)`;
};

const intent = (record: IntentRecord | undefined): string =>
  record === undefined
    ? ''
    : `${record.kind === 'pause' ? 'paused' : 'draining'} by ${record.requestedBy} at ${record.requestedAt}${record.reason === undefined ? '' : `: ${record.reason}`}`;

/** Renders a snapshot as the tables `polecat status` prints (no colours: safe in logs and pipes). */
export function formatClusterSnapshot(snapshot: ClusterSnapshot): string {
  const style = { head: [], border: [] };
  const nodes = new Table({ head: ['node', 'live', 'host', 'pid', 'version', 'holds', 'started', 'intent'], style });
  for (const node of snapshot.nodes) {
    nodes.push([
      node.nodeId,
      node.live ? 'yes' : 'no',
      node.host ?? '-',
      node.pid ?? '-',
      node.version ?? '-',
      node.holds.length,
      node.startedAt ?? '-',
      intent(node.draining),
    ]);
  }
  const sets = new Table({ head: ['set', 'shards', 'holder', 'since', 'agents', 'intent'], style });
  for (const set of snapshot.sets) {
    const holder =
      set.holder === undefined ? '(nobody)' : (set.holder.nodeId ?? `session ${set.holder.session} (${set.holder.applicationName || 'no application_name'})`);
    const agents = set.agents.map((agent) => `${agent.shard} ${agent.status}`).join(', ') || '-';
    sets.push([set.key, set.shards.join(', '), holder, since(set.since, snapshot.at), agents, intent(set.paused)]);
  }
  const lines = [
    `cluster at ${snapshot.at} (${snapshot.backend}): ${snapshot.nodes.filter((node) => node.live).length} live node(s), ${snapshot.sets.length} set(s), ${snapshot.unheld.length} held by nobody, ${snapshot.paused.length} pause(s), ${snapshot.draining.length} drain(s)`,
    'nodes',
    nodes.toString(),
    'sets',
    sets.toString(),
  ];
  if (snapshot.unsettledAgents.length > 0) {
    lines.push(`agents not running: ${snapshot.unsettledAgents.map((agent) => `${agent.shard} on ${agent.nodeId} (${agent.status})`).join(', ')}`);
  }
  if (snapshot.strandedLocks.length > 0) {
    const stranded = new Table({ head: ['pid', 'application_name', 'lock key', 'set'], style });
    for (const lock of snapshot.strandedLocks) stranded.push([lock.session, lock.applicationName || '-', lock.key, lock.set ?? '-']);
    lines.push(`stranded locks: ${snapshot.strandedLocks.length}, ${STRANDED_LOCK_ADVICE}`, stranded.toString());
  }
  return lines.join('\n');
}
