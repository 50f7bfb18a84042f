import { describe } from 'vitest';
import type { AppLock } from '../app-lock';
import { createConformanceContext } from './context';
import type { AppLockConformanceHarness } from './harness';
import { inputCases } from './input-cases';
import { lossCases } from './loss-cases';
import { ownershipCases } from './ownership-cases';
import { probeCases } from './probe-cases';
import { releaseManyCases } from './release-many-cases';

/**
 * Registers the `AppLock` conformance suite (vitest) for one backend: the six cases of the
 * original (one of two owners wins; release hands over; dispose frees all; distinct ids are
 * independent; re-attaining does not stack; releasing an unknown id is a no-op), batch round-trip
 * counts, loss on a server-side kill (announced within 1 s) and on a TCP cut, no double hold after
 * a reconnect, names of 1-4000 characters, bad input, abort signals, dispose, stats, events and
 * connection leaks, `LockLostEvent.hold` (refused once the dispatch returned), and the optional
 * `probeLocks` and `releaseLocks` extras. Cases whose harness member is missing are skipped.
 *
 * Measured times are printed with `console.log` (`[conformance:<name>] ...`). Lock ids are random,
 * so suites may share a database.
 *
 * @example
 * import { runAppLockConformance } from '@polecat/app-lock/testing';
 * runAppLockConformance({ name: 'postgres', createLock: () => new PostgresAppLock(url) });
 */
export function runAppLockConformance<L extends AppLock>(harness: AppLockConformanceHarness<L>): void {
  describe(`AppLock conformance: ${harness.name}`, () => {
    const ctx = createConformanceContext(harness);
    describe('ownership', () => ownershipCases(ctx));
    describe('loss', () => lossCases(ctx));
    describe('input and lifecycle', () => inputCases(ctx));
    describe('probe (optional extra)', () => probeCases(ctx));
    describe('releaseLocks (optional extra)', () => releaseManyCases(ctx));
  });
}
