// NestJS: PolecatModule.forRoot registers one coordinator per store; it starts on application
// bootstrap and drains on shutdown (agents aborted, locks released). This example closes the app
// itself once its shards run; a real service calls app.enableShutdownHooks() and lets SIGTERM do it.
import 'reflect-metadata';
import { InMemoryLockServer } from '@polecat/app-lock';
import type { ProjectionCoordinator } from '@polecat/coordinator';
import { projectionCoordinator } from '@polecat/di-adapters';
import { PolecatModule, getCoordinatorToken } from '@polecat/di-adapters/nestjs';
import { Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

// In production: createLock: () => new SqlServerAppLock(process.env.DATABASE_URL!) (or PostgresAppLock).
const locks = new InMemoryLockServer();
const agent = (name: string) => async ({ signal }: { signal: AbortSignal }) => {
  console.log(`  agent ${name} started`);
  await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  console.log(`  agent ${name} stopped`);
};

@Injectable()
class ShardReport {
  readonly #coordinator: ProjectionCoordinator;
  constructor(@Inject(getCoordinatorToken()) coordinator: ProjectionCoordinator) {
    this.#coordinator = coordinator;
  }
  owned(): string[] {
    return this.#coordinator.status().owned.flatMap((set) => set.shards);
  }
  whenRunning(count: number) {
    return this.#coordinator.whenOwned(count, { timeoutMs: 10_000 });
  }
}

@Module({
  imports: [
    PolecatModule.forRoot({
      coordinators: projectionCoordinator('HotCold', {
        shards: { Trip: agent('Trip'), Day: agent('Day'), Distance: agent('Distance') },
        createLock: () => locks.createLock({ owner: 'nest-node' }),
        settings: { leadershipPollingTime: 500 },
      }),
      logger: console,
    }),
  ],
  providers: [ShardReport],
})
class AppModule {}

const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks(); // SIGTERM / SIGINT close the app, which drains the coordinator
const report = app.get(ShardReport);
await report.whenRunning(3);
console.log(`owned: ${report.owned().join(', ')}`);
await app.close();
const held = locks.openSessions;
console.log(`closed: ${held} lock sessions left open`);
process.exit(held === 0 ? 0 : 1);
