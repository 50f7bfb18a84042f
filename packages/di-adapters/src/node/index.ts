export { HOST_SIGNALS, runHost, type HostProcess, type HostSignal, type RunHostOptions, type RunningHost } from './run-host';
export { serveHealth, type HealthServer, type HealthServerOptions } from './health-server';
