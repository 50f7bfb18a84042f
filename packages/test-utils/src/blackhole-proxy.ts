import net from 'node:net';

/** A proxy that lets a PostgreSQL start-up through and then silently drops every packet. */
export interface BlackholeProxy {
  readonly host: string;
  readonly port: number;
  /** Rewrites a URL's host and port to point at the proxy. */
  rewriteUrl(url: string): string;
  /** Connections that completed the start-up (server sent ReadyForQuery) and are now black-holed. */
  blackholed(): number;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts a TCP proxy in front of a PostgreSQL server (port chosen by the OS) that forwards the
 * start-up handshake (authentication, parameters, BackendKeyData) up to and including the
 * server's first ReadyForQuery, and from then on DROPS everything in both directions while keeping
 * both sockets open: a server that "accepts the start-up and then drops packets" (a partition
 * right after login, a dying middlebox). Nothing is reset, so the client only learns of it
 * through its own timeouts.
 */
export async function startBlackholeAfterStartupProxy(target: { readonly host: string; readonly port: number }, host = '127.0.0.1'): Promise<BlackholeProxy> {
  const sockets = new Set<net.Socket>();
  let blackholed = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    sockets.add(client).add(upstream);
    let holed = false;
    let pending = Buffer.alloc(0);
    let startupDone = false; // the client's start-up packet has no type byte; the server's replies do
    client.on('data', (chunk) => {
      if (!holed) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (holed) return;
      pending = Buffer.concat([pending, chunk]);
      // server messages: 1 type byte + int32 length (including itself) + body
      let offset = 0;
      while (pending.length - offset >= 5) {
        const type = String.fromCharCode(pending[offset]!);
        const length = pending.readInt32BE(offset + 1);
        if (pending.length - offset < 1 + length) break;
        offset += 1 + length;
        if (type === 'Z') {
          startupDone = true;
          break;
        }
      }
      client.write(pending.subarray(0, offset));
      pending = pending.subarray(offset);
      if (startupDone) {
        holed = true;
        blackholed += 1;
      }
    });
    const teardown = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    // a client that gives up closes its socket: end the pair (the server side then ends the session)
    client.on('close', teardown);
    client.on('error', teardown);
    upstream.on('error', teardown);
    upstream.on('close', teardown);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('blackhole proxy: no port');
  const port = address.port;
  return {
    host,
    port,
    rewriteUrl(url) {
      const parsed = new URL(url);
      parsed.hostname = host;
      parsed.port = String(port);
      return parsed.toString();
    },
    blackholed: () => blackholed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
}
