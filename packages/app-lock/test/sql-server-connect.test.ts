import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AppLockError } from '../src/errors';
import { SqlServerAppLock } from '../src/sql-server/index';

// Real network failures against this machine (no SQL Server needed): a closed port, a server that
// hangs up at once, and one that never answers. These check typed errors, password-free messages
// and that nothing is left open; they say nothing about SQL Server's own behaviour.

const PASSWORD = 'Sup3r-S3cret-Pw';
const servers: Server[] = [];
const sockets = new Set<Socket>();
/** Resolves when the client side has gone (FIN or reset) for each accepted socket. */
const gone = new Map<Socket, Promise<void>>();

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  gone.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume(); // read (and drop) whatever the client sends, so its FIN is seen
    gone.set(socket, new Promise((resolve) => socket.once('close', () => resolve())));
    socket.once('end', () => socket.destroy());
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function connectionString(port: number, extra = ''): string {
  return `Server=127.0.0.1,${port};Database=test;User Id=sa;Password={${PASSWORD}};Encrypt=false;Connect Timeout=2${extra}`;
}

/** Every message and `cause` message down the chain, plus every string property. */
function everythingSaid(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    if (current instanceof Error) parts.push(current.message, String(current.stack));
    if (typeof current === 'object') {
      for (const value of Object.values(current as Record<string, unknown>)) if (typeof value === 'string') parts.push(value);
      const next = (current as { cause?: unknown; originalError?: unknown }).cause ?? (current as { originalError?: unknown }).originalError;
      current = next === current ? undefined : next;
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  return parts.join('\n');
}

function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPWRAP').length;
}

async function attempt(lock: SqlServerAppLock, options?: { signal?: AbortSignal }): Promise<unknown> {
  try {
    await lock.tryAttainLock(4444, options);
  } catch (error) {
    return error;
  }
  throw new Error('expected the lock attempt to fail');
}

describe('SqlServerAppLock against unreachable servers (real sockets, no SQL Server)', () => {
  it('a closed port gives a retryable CONNECTION_FAILED without the password and leaks no socket', async () => {
    const port = await closedPort();
    const before = openSockets();
    const lock = new SqlServerAppLock(connectionString(port));
    const error = await attempt(lock);
    expect(AppLockError.hasCode(error, 'CONNECTION_FAILED')).toBe(true);
    expect((error as AppLockError).retryable).toBe(true);
    expect((error as Error).message).toContain(`sqlserver://sa@127.0.0.1:${port}/test`);
    expect((error as Error).message).toMatch(/ECONNREFUSED|ESOCKET/);
    expect(everythingSaid(error)).not.toContain(PASSWORD);
    expect(lock.hasLock(4444)).toBe(false);
    expect(lock.stats()).toMatchObject({ connects: 1, held: 0 });
    // A second attempt reconnects (and fails the same way).
    expect(AppLockError.hasCode(await attempt(lock), 'CONNECTION_FAILED')).toBe(true);
    await lock.dispose();
    expect(openSockets()).toBe(before);
  });

  it('a server that hangs up at once gives CONNECTION_FAILED and no password', async () => {
    const port = await listen((socket) => socket.destroy());
    const lock = new SqlServerAppLock(connectionString(port));
    const error = await attempt(lock);
    expect(AppLockError.hasCode(error, 'CONNECTION_FAILED')).toBe(true);
    expect(everythingSaid(error)).not.toContain(PASSWORD);
    await lock.dispose();
  });

  it('a server that never answers times out (connect timeout) with CONNECTION_FAILED', async () => {
    const port = await listen(() => undefined);
    const lock = new SqlServerAppLock(connectionString(port));
    const started = Date.now();
    const error = await attempt(lock);
    console.log(`SQL Server unreachable-server connect timeout surfaced after ${Date.now() - started} ms (Connect Timeout=2 s)`);
    expect(AppLockError.hasCode(error, 'CONNECTION_FAILED')).toBe(true);
    expect(everythingSaid(error)).not.toContain(PASSWORD);
    await lock.dispose();
    expect(sockets.size).toBeGreaterThan(0);
    await Promise.all(gone.values()); // the client closed every socket it opened (the test times out otherwise)
  });

  it('an abort during connect rejects with the signal reason and closes the socket', async () => {
    let accepted!: (socket: Socket) => void;
    const connected = new Promise<Socket>((resolve) => (accepted = resolve));
    const port = await listen((socket) => accepted(socket));
    const lock = new SqlServerAppLock(connectionString(port).replace('Connect Timeout=2', 'Connect Timeout=30'));
    const controller = new AbortController();
    const pending = attempt(lock, { signal: controller.signal });
    const serverSide = await connected;
    const reason = new Error('stop');
    controller.abort(reason);
    expect(await pending).toBe(reason);
    await gone.get(serverSide);
    await lock.dispose();
  });

  it('a disposed owner rejects with DISPOSED', async () => {
    const lock = new SqlServerAppLock(connectionString(await closedPort()));
    await lock.dispose();
    await lock.dispose();
    expect(AppLockError.hasCode(await attempt(lock), 'DISPOSED')).toBe(true);
  });
});
