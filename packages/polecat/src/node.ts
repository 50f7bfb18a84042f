export { HOST_SIGNALS, runHost, type HostProcess, type HostSignal, type RunHostOptions, type RunningHost } from '@polecat/di-adapters/node';
export { serveHealth, type HealthServer, type HealthServerOptions } from '@polecat/di-adapters/node';
