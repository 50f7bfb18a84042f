import { describe, expect, it } from 'vitest';
import { disposeAfterEach } from './fakes/dispose-after-each';
import { setsOf } from './fakes/fixtures';
import { harness } from './fakes/harness';

const track = disposeAfterEach();

describe('a Stopped agent on a held set is never silently dead', () => {
  it('is restarted by default', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets));
    await h.start();
    h.daemon().finish(sets[0]!.names[0]!);
    await h.cycle();
    expect(h.daemon().starts).toEqual(['A:All', 'A:All']);
    expect(h.named('agentStarted').at(-1)).toMatchObject({ kind: 'restart-stopped' });
  });

  it('releases the lock when restartStoppedAgents is false, and backs off before taking it again', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets, { settings: { restartStoppedAgents: false } }));
    await h.start();
    h.daemon().finish(sets[0]!.names[0]!);
    await h.cycle();
    expect(h.distributor.calls).toContain(`release(${sets[0]!.key})`);
    expect(h.named('lockReleased')).toHaveLength(1);
    expect(h.daemon().starts).toEqual(['A:All']);
    await h.cycle();
    expect(h.daemon().starts).toEqual(['A:All']); // gives other nodes a chance first
  });

  it('restarts a paused agent only after healthCheckPollingTimeMs', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets));
    await h.start();
    h.daemon().pause(sets[0]!.names[0]!, h.clock.now());
    await h.cycle();
    expect(h.named('agentPaused')).toHaveLength(1);
    expect(h.daemon().starts).toEqual(['A:All']);
    h.clock.advance(5001);
    await h.cycle();
    expect(h.daemon().starts).toEqual(['A:All', 'A:All']);
    expect(h.named('agentStarted').at(-1)).toMatchObject({ kind: 'restart-paused' });
  });

  it('announces a paused agent once per pause, however often its state is read', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets));
    await h.start();
    h.daemon().pause(sets[0]!.names[0]!, h.clock.now());
    await h.cycle();
    await h.cycle();
    h.coordinator.status();
    expect(h.named('agentPaused')).toHaveLength(1);
    h.clock.advance(5001);
    await h.cycle(); // restarted
    h.daemon().pause(sets[0]!.names[0]!, h.clock.now());
    await h.cycle();
    expect(h.named('agentPaused')).toHaveLength(2);
  });

  it('sleeps agentPauseTimeMs while an agent is paused', async () => {
    const sets = setsOf(['A']);
    const h = track(harness(sets, { settings: { agentPauseTimeMs: 1234 } }));
    await h.start();
    h.daemon().pause(sets[0]!.names[0]!, h.clock.now());
    expect((await h.cycle()).sleepMs).toBe(1234);
  });
});
