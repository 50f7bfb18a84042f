import { assertSupportedNode } from '../internal/supported-node';

assertSupportedNode(); // one clear line on Node < 20.19 (engines alone only warns)

export { HOST_SIGNALS, runHost, type HostProcess, type HostSignal, type RunHostOptions, type RunningHost } from './run-host';
export { serveHealth, type HealthServer, type HealthServerOptions } from './health-server';
