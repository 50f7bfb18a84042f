import type { ProjectionCoordinator } from '@polecat/coordinator';
import { Inject, Injectable } from '@nestjs/common';
import { healthReport, type HealthReport } from '../health-report';
import { POLECAT_COORDINATORS } from './tokens';

/** What a Terminus health indicator function resolves with (`HealthIndicatorResult` of `@nestjs/terminus`). */
export type PolecatHealthIndicatorResult = Record<
  string,
  { readonly status: 'up' | 'down' } & Omit<HealthReport, 'status'> & { readonly health: HealthReport['status'] }
>;

/**
 * A NestJS Terminus health indicator for the module's coordinators (`@nestjs/terminus` 11, an
 * optional peer: this class does not import it). `up` while no coordinator is `unhealthy`
 * (readiness), or, with `{ liveness: true }`, while every loop cycles. Add it to the providers of
 * the module that imports `PolecatModule` and `TerminusModule`.
 * @example
 * // in a controller with `HealthCheckService` (Terminus) and this indicator injected:
 * ready() { return this.health.check([() => this.polecat.isHealthy('polecat')]); }
 */
export class PolecatHealthIndicator {
  readonly #coordinators: ReadonlyMap<string, ProjectionCoordinator>;

  constructor(coordinators: ReadonlyMap<string, ProjectionCoordinator>) {
    this.#coordinators = coordinators;
  }

  /** The Terminus result under `key`: `down` when not ready (or, with `liveness`, not alive), with every coordinator's reasons. */
  isHealthy(key = 'polecat', options: { readonly liveness?: boolean } = {}): Promise<PolecatHealthIndicatorResult> {
    const report = healthReport(this.#coordinators);
    const up = options.liveness === true ? report.alive : report.ready;
    const { status, ...rest } = report;
    return Promise.resolve({ [key]: { status: up ? 'up' : 'down', health: status, ...rest } });
  }
}

// Decorators applied as calls: no `experimentalDecorators` / `emitDecoratorMetadata` needed.
Injectable()(PolecatHealthIndicator);
Inject(POLECAT_COORDINATORS)(PolecatHealthIndicator, undefined, 0);
