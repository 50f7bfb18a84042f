import type { ProjectionDaemon } from '@polecat/coordinator';

/**
 * A KNOWN DEFECT, re-introduced on purpose (sim-only): a daemon whose `stopAgent` and `stopAll`
 * resolve as soon as the agent was told to stop, not when it returned, and that has no
 * `whenSettled`. The coordinator then releases a set's lock while its agents still drain, so another
 * node may start them next to the old ones. The simulation must find it (see the defect test).
 */
export function prematureStopDaemon(daemon: ProjectionDaemon): ProjectionDaemon {
  return {
    database: daemon.database,
    startAgent: (shard, context) => daemon.startAgent(shard, context),
    stopAgent: (shard, reason) => {
      void daemon.stopAgent(shard, reason);
      return Promise.resolve();
    },
    stopAll: (reason) => {
      void daemon.stopAll(reason);
      return Promise.resolve();
    },
    statusOf: (shard) => daemon.statusOf(shard),
    anyPaused: () => daemon.anyPaused(),
    dispose: () => daemon.dispose(),
  };
}
