import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF_POLICY } from '../src/backoff';
import { backoffDelay } from '../src/internal/ownership/backoff';
import { CoordinatorError } from '../src/coordinator-error';
import { DEFAULT_COORDINATOR_SETTINGS, DEPRECATED_DURATION_NAMES, resolveCoordinatorSettings } from '../src/coordinator-settings';
import { DAEMON_MODES, isDaemonMode } from '../src/daemon-mode';

describe('coordinator settings', () => {
  it('keeps the original defaults', () => {
    expect(resolveCoordinatorSettings()).toEqual({
      daemonLockId: 4444,
      leadershipPollingTimeMs: 5000,
      takeoverPollingTimeMs: 500,
      takeoverGraceMs: 50,
      agentPauseTimeMs: 1000,
      healthCheckPollingTimeMs: 5000,
      agentFailuresBeforeHandOver: 5,
      stopDrainTimeoutMs: 5000,
      restartStoppedAgents: true,
      releaseLocksOnPause: true,
      releaseOnStartFailure: false,
      startFailureBackoff: { initialMs: 1000, factor: 2, maxMs: 60_000 },
      balance: true,
      stallTimeoutMs: 0,
      stallAction: 'report',
      failFastOnStart: false,
      startCheckMs: 5000,
    });
    expect(Object.isFrozen(DEFAULT_COORDINATOR_SETTINGS)).toBe(true);
  });

  it.each([['fast'], [5], [null], [[1000]]])('refuses startFailureBackoff %j (not an object) instead of ignoring it', (value) => {
    expect(() => resolveCoordinatorSettings({ startFailureBackoff: value as never })).toThrow(/startFailureBackoff must be an object/);
  });

  it.each([[-1], [1.5], ['5']])('refuses agentFailuresBeforeHandOver %j', (value) => {
    expect(() => resolveCoordinatorSettings({ agentFailuresBeforeHandOver: value as never })).toThrow(/agentFailuresBeforeHandOver/);
  });

  it('merges partial backoff policies', () => {
    expect(resolveCoordinatorSettings({ startFailureBackoff: { maxMs: 5000 } }).startFailureBackoff).toEqual({ initialMs: 1000, factor: 2, maxMs: 5000 });
  });

  it.each([
    { leadershipPollingTimeMs: 0 },
    { balance: 'no' as unknown as boolean },
    { agentPauseTimeMs: Number.NaN },
    { stopDrainTimeoutMs: -1 },
    { healthCheckPollingTimeMs: 3e9 },
    { daemonLockId: 1.5 },
    { daemonLockId: 2 ** 31 },
    { restartStoppedAgents: 'yes' as unknown as boolean },
    { startFailureBackoff: { factor: 0.5 } },
    { startFailureBackoff: { initialMs: 5000, maxMs: 1000 } },
  ])('rejects %o with INVALID_CONFIGURATION', (input) => {
    expect(() => resolveCoordinatorSettings(input)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    try {
      resolveCoordinatorSettings(input);
    } catch (error) {
      expect(CoordinatorError.is(error)).toBe(true);
    }
  });

  it('backoff grows and is capped', () => {
    expect([1, 2, 3, 4, 7, 100].map((n) => backoffDelay(DEFAULT_BACKOFF_POLICY, n))).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000]);
  });

  it('daemon modes', () => {
    expect(DAEMON_MODES).toEqual(['Disabled', 'Solo', 'HotCold']);
    expect(isDaemonMode('Solo')).toBe(true);
    expect(isDaemonMode('solo')).toBe(false);
  });
});

describe('duration settings name their unit', () => {
  it('every duration setting ends in Ms', () => {
    const durations = Object.entries(DEFAULT_COORDINATOR_SETTINGS).filter(
      ([name, value]) => typeof value === 'number' && name !== 'daemonLockId' && name !== 'agentFailuresBeforeHandOver',
    );
    expect(durations.map(([name]) => name).filter((name) => !name.endsWith('Ms'))).toEqual([]);
  });

  it("accepts the first releases' names as deprecated aliases of the ...Ms settings", () => {
    const settings = resolveCoordinatorSettings({
      leadershipPollingTime: 1234,
      takeoverPollingTime: 321,
      agentPauseTime: 222,
      healthCheckPollingTime: 4321,
      stopDrainTimeout: 999,
    });
    expect(settings).toMatchObject({
      leadershipPollingTimeMs: 1234,
      takeoverPollingTimeMs: 321,
      agentPauseTimeMs: 222,
      healthCheckPollingTimeMs: 4321,
      stopDrainTimeoutMs: 999,
    });
    expect(Object.keys(settings).filter((name) => name in DEPRECATED_DURATION_NAMES)).toEqual([]);
  });

  it('refuses a deprecated name and its ...Ms name given with different values', () => {
    expect(() => resolveCoordinatorSettings({ stopDrainTimeout: 100, stopDrainTimeoutMs: 200 })).toThrow(
      /stopDrainTimeout \(deprecated\) and stopDrainTimeoutMs disagree/,
    );
    expect(resolveCoordinatorSettings({ stopDrainTimeout: 100, stopDrainTimeoutMs: 100 }).stopDrainTimeoutMs).toBe(100);
  });

  it('validates a value given under a deprecated name like any other', () => {
    expect(() => resolveCoordinatorSettings({ leadershipPollingTime: -1 })).toThrow(CoordinatorError);
  });
});
