import net from 'node:net';

/** Where {@link startTcpProxy} forwards to. */
export interface TcpProxyTarget {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** The server behind the proxy. */
  readonly target: TcpProxyTarget;
  /** Listen host (default `127.0.0.1`); the port is chosen by the OS. */
  readonly host?: string;
}

/** A running in-test TCP proxy: cut or stall the connections that go through it. */
export interface TcpProxy {
  /** The port the proxy listens on (host `127.0.0.1` unless configured). */
  readonly port: number;
  readonly host: string;
  /** Rewrites a URL's host and port to point at the proxy (`postgres://u@db:5432/x` → `postgres://u@127.0.0.1:<port>/x`). */
  rewriteUrl(url: string): string;
  /** Client connections currently open through the proxy. */
  connections(): number;
  /** Connections accepted since start. */
  accepted(): number;
  /** Destroys every open connection on both sides with a TCP reset (RST), like a crashed middlebox. */
  cutAll(): void;
  /** Stops forwarding in both directions but keeps the sockets open (a partition / stalled peer): a close on one side reaches the other only after {@link TcpProxy.resume}. */
  stall(): void;
  /** Undoes {@link TcpProxy.stall}: buffered data flows again. */
  resume(): void;
  /** Cuts everything and stops listening. Idempotent. */
  close(): Promise<void>;
}

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

/** Starts a TCP proxy in front of `target` on an OS-chosen port. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const host = options.host ?? '127.0.0.1';
  const pairs = new Set<Pair>();
  let stalled = false;
  let accepted = 0;
  // Closes that happened while stalled: a stalled link carries no FIN or RST either, so the far side
  // learns of the close only when the link flows again (or never, if the test ends it otherwise).
  const closedWhileStalled = new Set<() => void>();

  const setFlow = (pair: Pair): void => {
    for (const socket of [pair.client, pair.upstream]) {
      if (stalled) socket.pause();
      else socket.resume();
    }
  };

  const server = net.createServer((client) => {
    accepted += 1;
    const upstream = net.connect({ host: options.target.host, port: options.target.port });
    const pair: Pair = { client, upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => client.write(chunk));
    const teardown = (): void => {
      if (stalled) {
        closedWhileStalled.add(teardown);
        return;
      }
      if (!pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', teardown);
    upstream.on('close', teardown);
    setFlow(pair);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');
  const port = address.port;

  const cutAll = (): void => {
    closedWhileStalled.clear();
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      pair.client.resetAndDestroy();
      pair.upstream.resetAndDestroy();
    }
  };

  let closed: Promise<void> | undefined;
  return {
    port,
    host,
    rewriteUrl(url) {
      const parsed = new URL(url);
      parsed.hostname = host;
      parsed.port = String(port);
      return parsed.toString();
    },
    connections: () => pairs.size,
    accepted: () => accepted,
    cutAll,
    stall() {
      stalled = true;
      for (const pair of pairs) setFlow(pair);
    },
    resume() {
      stalled = false;
      for (const pair of pairs) setFlow(pair);
      const closes = [...closedWhileStalled];
      closedWhileStalled.clear();
      for (const close of closes) close();
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        cutAll();
      });
      return closed;
    },
  };
}
