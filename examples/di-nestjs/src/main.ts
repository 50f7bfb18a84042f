// NestJS: PolecatModule.forRoot registers the store's coordinator once (AppModule, isGlobal); two
// feature modules add @Shard providers to it, with a pg pool injected. SIGTERM closes the
// application (enableShutdownHooks with useProcessExit: exit code 0): the coordinator drains in
// beforeApplicationShutdown (agents finish their last batch, locks released), then the pool closes.
// `--pg <url>` runs it on PostgreSQL advisory locks with a real pg pool. This example sends itself
// SIGTERM once its shards run.
import 'reflect-metadata';
import type { ProjectionCoordinator } from '@polecat/coordinator';
import { projectionCoordinator } from '@polecat/di-adapters';
import { InjectCoordinator, PolecatModule } from '@polecat/di-adapters/nestjs';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createBackend, frameworkMajor } from './backend';
import { BillingModule } from './billing.module';
import { DatabaseModule } from './database.module';
import { TripsModule } from './trips.module';

const backend = createBackend();

@Injectable()
class ShardReport {
  constructor(@InjectCoordinator() private readonly coordinator: ProjectionCoordinator) {}
  owned(): string[] {
    return this.coordinator.status().owned.flatMap((set) => set.shards);
  }
  whenRunning(count: number) {
    return this.coordinator.whenOwned(count, { timeoutMs: 10_000 });
  }
}

@Module({
  imports: [
    DatabaseModule.forRoot(backend),
    PolecatModule.forRoot({
      // no shards here: the @Shard providers of TripsModule and BillingModule are the store's shards
      coordinators: projectionCoordinator('HotCold', { createLock: () => backend.createLock(), settings: { leadershipPollingTimeMs: 500 } }),
      isGlobal: true,
    }),
    TripsModule,
    BillingModule,
  ],
  providers: [ShardReport],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['log', 'warn', 'error'] });
app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true }); // exit 0 once closed (Nest >= 11.1)
const report = app.get(ShardReport);
await report.whenRunning(3);
console.log(
  `NestJS ${frameworkMajor('@nestjs/core')}, ${backend.name}: owned ${report.owned().join(', ')}; advisory locks held: ${await backend.locksHeld()}; sending myself SIGTERM`,
);
process.kill(process.pid, 'SIGTERM');
