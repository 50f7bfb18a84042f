import type { ProjectionDatabase, ShardName } from '@polecat/distributors';
import type { AgentStartContext, AgentState, ProjectionDaemon } from '../../src/projection-daemon';

/** A structural fake of ProjectionDaemon: statuses are plain data the test can change. */
export class FakeDaemon implements ProjectionDaemon {
  readonly database: ProjectionDatabase;
  readonly states = new Map<string, AgentState>();
  readonly signals = new Map<string, AbortSignal>();
  readonly contexts = new Map<string, AgentStartContext>();
  readonly starts: string[] = [];
  readonly stops: string[] = [];
  readonly log: string[];
  failStart: (shard: ShardName) => unknown = () => undefined;
  hangStopAll = false;
  disposed = false;

  constructor(database: ProjectionDatabase, log: string[] = []) {
    this.database = database;
    this.log = log;
  }

  async startAgent(shard: ShardName, context: AgentStartContext): Promise<void> {
    this.log.push(`daemon.start(${shard.identity})`);
    const failure = this.failStart(shard);
    if (failure !== undefined) throw failure;
    this.starts.push(shard.identity);
    this.signals.set(shard.identity, context.signal);
    this.contexts.set(shard.identity, context);
    this.states.set(shard.identity, { shard, status: 'Running' });
  }

  async stopAgent(shard: ShardName): Promise<void> {
    this.log.push(`daemon.stop(${shard.identity})`);
    this.stops.push(shard.identity);
    if (this.states.has(shard.identity)) this.states.set(shard.identity, { shard, status: 'Stopped' });
  }

  async stopAll(): Promise<void> {
    this.log.push('daemon.stopAll');
    if (this.hangStopAll) await new Promise(() => {});
    for (const [identity, state] of this.states) this.states.set(identity, { shard: state.shard, status: 'Stopped' });
  }

  statusOf(shard: ShardName): AgentState | undefined {
    return this.states.get(shard.identity);
  }

  anyPaused(): boolean {
    return [...this.states.values()].some((state) => state.status === 'Paused');
  }

  /** Test helper: the agent failed at `pausedAt`. */
  pause(shard: ShardName, pausedAt: number, error: unknown = new Error('boom')): void {
    this.states.set(shard.identity, { shard, status: 'Paused', pausedAt, error });
  }

  /** Test helper: the agent finished on its own. */
  finish(shard: ShardName): void {
    this.states.set(shard.identity, { shard, status: 'Stopped' });
  }

  async dispose(): Promise<void> {
    this.log.push('daemon.dispose');
    this.disposed = true;
  }
}
