import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClusterSnapshot } from '../cluster-snapshot';
import { OpsError } from '../ops-error';
import { STATUS_PAGE } from './status-page';
import { diffHolders, reviseCauses, type HeardReleaseNotice, type TimelineEntry } from './takeover-timeline';

/** Options of {@link startStatusServer}. */
export interface StatusServerOptions {
  /** Reads one snapshot (e.g. `() => readPostgresClusterSnapshot(client)`). */
  readonly read: () => Promise<ClusterSnapshot>;
  /** Default 0 (a free port chosen by the OS). */
  readonly port?: number;
  /** Default `'127.0.0.1'` (never exposed beyond this machine unless asked). */
  readonly host?: string;
  /** Snapshot period. Default 1000 ms. */
  readonly intervalMs?: number;
  /** Timeline entries kept (oldest dropped). Default 200. */
  readonly timelineLimit?: number;
  /**
   * Subscribes to the lock release notices (PostgreSQL: `LISTEN polecat_lock_released`, the
   * releasing backend pid and the payload), so the timeline says why a LIVE holder let a set go
   * (`stopped`, `drained`, `paused`, `balanced`). Returns the unsubscribe function. Without it
   * (SQL Server has no notices) causes come from the intents and from which sessions died.
   */
  readonly notices?: (listener: (notice: HeardReleaseNotice) => void) => () => void;
}

/** A running status server. */
export interface StatusServer extends AsyncDisposable {
  /** `http://host:port/`. */
  readonly url: string;
  close(): Promise<void>;
}

/** What the page receives (`GET /state`, and each Server-Sent Event of `GET /events`). */
export interface StatusState {
  readonly snapshot?: ClusterSnapshot;
  readonly timeline: readonly TimelineEntry[];
  /** The last read's error message, while reads fail. */
  readonly error?: string;
}

/**
 * Serves the live cluster view on plain `node:http`: `GET /` one page, `GET /events` Server-Sent
 * Events (one `StatusState` per snapshot), `GET /state` the current state as JSON. Snapshots are
 * read every `intervalMs`; the takeover timeline is built by comparing consecutive snapshots (none
 * at the first: what is held at page load is state, not an event), each change with its cause.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const intervalMs = options.intervalMs ?? 1000;
  const limit = options.timelineLimit ?? 200;
  if (!Number.isFinite(intervalMs) || intervalMs < 50) throw new OpsError('INVALID_ARGUMENT', `intervalMs must be >= 50, got ${String(intervalMs)}`);
  let state: StatusState = { timeline: [] };
  const clients = new Set<ServerResponse>();
  const publish = (): void => {
    const data = `data: ${JSON.stringify(state)}\n\n`;
    for (const client of clients) client.write(data);
  };
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  // notices heard since the last read, and those of the read before (a notice may arrive just after
  // the snapshot that already shows its release)
  let heard: HeardReleaseNotice[] = [];
  let heardBefore: HeardReleaseNotice[] = [];
  const unsubscribe = options.notices?.((notice) => void heard.push(notice));
  const poll = async (): Promise<void> => {
    try {
      const snapshot = await options.read();
      const notices = [...heardBefore, ...heard];
      heardBefore = heard;
      heard = [];
      const timeline = [...reviseCauses(state.timeline, snapshot), ...diffHolders(state.snapshot, snapshot, notices)].slice(-limit);
      state = { snapshot, timeline };
    } catch (error) {
      state = { ...state, error: error instanceof Error ? error.message : String(error) };
    }
    publish();
    if (!closed) timer = setTimeout(() => void poll(), intervalMs);
  };
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(STATUS_PAGE);
    } else if (path === '/state') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(state));
    } else if (path === '/events') {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      response.write(`retry: 1000\ndata: ${JSON.stringify(state)}\n\n`);
      clients.add(response);
      request.on('close', () => clients.delete(response));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  await poll();
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    unsubscribe?.();
    for (const client of clients) client.end();
    clients.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://${host}:${address.port}/`, close, [Symbol.asyncDispose]: close };
}
