import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { toLogger, type ConsoleLike, type Logger } from '@polecat/app-lock';
import { healthReport, type HealthSources } from '../health-report';

/** Options of {@link serveHealth}. */
export interface HealthServerOptions {
  /** The coordinators to report on (a list, or a map by store name), or a function returning them. */
  readonly coordinators: HealthSources | (() => HealthSources);
  /** TCP port; `0` lets the OS choose (read it from `HealthServer.port`). */
  readonly port: number;
  /** Listen address. Default `0.0.0.0` (probes come from the kubelet, not localhost). */
  readonly host?: string;
  /** Paths. Default `/healthz` (liveness) and `/readyz` (readiness). */
  readonly paths?: { readonly liveness?: string; readonly readiness?: string };
  /** Default silent. */
  readonly logger?: Logger | ConsoleLike;
}

/** A running health server. `await using` (or `close()`) stops it. */
export interface HealthServer extends AsyncDisposable {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/**
 * Serves liveness and readiness probes over plain `node:http`:
 * - `GET /healthz`: 200 while every coordinator's loop is cycling (`health().alive`), else 503:
 *   restart the process. A paused, stopping or database-less node is still alive.
 * - `GET /readyz`: 200 while no coordinator is `unhealthy` (`health().ready`; healthy or
 *   degraded), else 503 (not running, every database unreachable, loop wedged).
 * Both answer with the JSON {@link HealthReport} (reasons, typed causes, since when). Other paths: 404.
 * @example const server = await serveHealth({ coordinators: [coordinator], port: 8080 });
 */
export async function serveHealth(options: HealthServerOptions): Promise<HealthServer> {
  const logger = toLogger(options.logger);
  const liveness = options.paths?.liveness ?? '/healthz';
  const readiness = options.paths?.readiness ?? '/readyz';
  const sources = typeof options.coordinators === 'function' ? options.coordinators : () => options.coordinators as HealthSources;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').split('?')[0];
    if ((path !== liveness && path !== readiness) || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    let status = 500;
    let body: string;
    try {
      const report = healthReport(sources());
      status = (path === liveness ? report.alive : report.ready) ? 200 : 503;
      body = JSON.stringify(report);
    } catch (error) {
      logger.error('health check failed', { error });
      body = JSON.stringify({ status: 'unhealthy', error: error instanceof Error ? error.message : String(error) });
    }
    response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  logger.info('health server listening', { host, port, liveness, readiness });
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closed;
  };
  return { port, host, close, [Symbol.asyncDispose]: close };
}
