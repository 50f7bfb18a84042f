import type { RunOverlap } from './agent-runs';
import type { NodeHandle } from './node-handle';

/**
 * What the "forced" overlaps are: per fault kind on the earlier owner (the last fault injected
 * into its process before the later run started; `none` when no fault was injected, e.g. a lock
 * verification that timed out under load), how many, the longest overlap, the longest time the
 * earlier run took to return after the server freed its lock, and how many later runs started
 * before the earlier owner announced the loss (`onLockLost`).
 */
export function printForcedBreakdown(forced: readonly RunOverlap[], nodes: readonly NodeHandle[], now: number, forcedResidueMs: number): void {
  if (forced.length === 0) return;
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const groups = new Map<string, { count: number; longestMs: number; longestReturnMs: number; beforeNotice: number; reasons: Set<string> }>();
  for (const o of forced) {
    // which run lost its lock by force: the earlier owner's (usual), or the later one's (a "zombie"
    // start on a grant its process had already lost, unknowingly)
    // (as in findRunOverlaps: a forced release of the earlier owner before the later start, after
    // which the earlier run returned within FORCED_RESIDUE_MS awake)
    const ownerNode = byName.get(o.first.node);
    const firstEnd = o.first.end ?? now;
    const frozenFrom = (from: number): number =>
      (ownerNode?.freezes ?? [])
        .filter((f) => f.pid === o.first.pid)
        .reduce((sum, f) => sum + Math.max(0, Math.min(firstEnd, f.to) - Math.max(from, f.from)), 0);
    const ownerForced = (ownerNode?.forcedReleases ?? []).some(
      (f) => f.pid === o.first.pid && f.at <= o.second.start && firstEnd - f.at - frozenFrom(f.at) <= forcedResidueMs,
    );
    const run = ownerForced ? o.first : o.second;
    const node = ownerForced ? ownerNode : byName.get(o.second.node);
    const fault = (node?.faultLog ?? []).filter((f) => f.pid === run.pid && f.at <= o.second.start).at(-1);
    const kind = `${fault === undefined || o.second.start - fault.at > 15_000 ? 'none' : fault.kind}${ownerForced ? '' : ' (zombie start)'}`;
    // the server freed it at the injection (terminate, cut, restart), or when the owner itself dropped its connection
    const releasedAt = (node?.forcedReleases ?? []).filter((f) => f.pid === run.pid && f.at <= o.second.start).at(-1)?.at ?? o.second.start;
    const end = run.end ?? now;
    const notice = (node?.losses ?? []).find((loss) => loss.pid === run.pid && loss.at >= Math.min(fault?.at ?? releasedAt, releasedAt) && loss.at <= end);
    const group = groups.get(kind) ?? { count: 0, longestMs: 0, longestReturnMs: 0, beforeNotice: 0, reasons: new Set<string>() };
    group.count += 1;
    group.longestMs = Math.max(group.longestMs, o.ms);
    // awake: the time its process was frozen (SIGSTOP) does not count, as in the invariant's exception
    const frozen = (node?.freezes ?? [])
      .filter((f) => f.pid === run.pid)
      .reduce((sum, f) => sum + Math.max(0, Math.min(end, f.to) - Math.max(releasedAt, f.from)), 0);
    group.longestReturnMs = Math.max(group.longestReturnMs, end - releasedAt - frozen);
    if (notice === undefined || o.second.start < notice.at) group.beforeNotice += 1;
    if (notice !== undefined) group.reasons.add(notice.reason);
    groups.set(kind, group);
  }
  console.log('');
  console.log(
    'forced overlaps by the fault on the run that lost its lock by force (count; longest overlap; longest return after the forced release, awake; later run started before that process announced the loss; loss reasons):',
  );
  for (const [kind, g] of [...groups].sort((a, b) => b[1].count - a[1].count)) {
    console.log(
      `  ${kind}: ${g.count}; ${(g.longestMs / 1000).toFixed(2)} s; ${(g.longestReturnMs / 1000).toFixed(2)} s; ${g.beforeNotice} of ${g.count}; ${[...g.reasons].join(', ') || '-'}`,
    );
  }
  // the timelines of the longest ones (times in s relative to the later run's start)
  for (const o of [...forced].sort((a, b) => b.ms - a.ms).slice(0, 6)) {
    const rel = (at: number): string => ((at - o.second.start) / 1000).toFixed(2);
    const around = (name: string, pid: number): string => {
      const node = byName.get(name);
      const near = (at: number): boolean => at >= o.second.start - 10_000 && at <= (o.first.end ?? now) + 1000;
      const faults = (node?.faultLog ?? []).filter((f) => f.pid === pid && near(f.at)).map((f) => `${f.kind}@${rel(f.at)}`);
      const losses = (node?.losses ?? []).filter((l) => l.pid === pid && near(l.at)).map((l) => `lost(${l.reason})@${rel(l.at)}`);
      return [...faults, ...losses].join(' ') || '-';
    };
    console.log(
      `  ${o.key}: ${o.first.node}#${o.first.pid} ${rel(o.first.start)}..${o.first.end === undefined ? 'open' : rel(o.first.end)} [${around(o.first.node, o.first.pid)}]; ` +
        `${o.second.node}#${o.second.pid} 0.00..${o.second.end === undefined ? 'open' : rel(o.second.end)} [${around(o.second.node, o.second.pid)}]`,
    );
  }
}

/** `reason count, ...` of every involuntary loss the nodes announced (`onLockLost`, not `released`). */
export function lossesByReason(nodes: readonly NodeHandle[]): string {
  const counts = new Map<string, number>();
  for (const loss of nodes.flatMap((node) => node.losses)) counts.set(loss.reason, (counts.get(loss.reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${reason} ${count}`).join(', ') || '-';
}
