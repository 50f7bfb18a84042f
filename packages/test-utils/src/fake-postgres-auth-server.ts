import net from 'node:net';

/** A fake PostgreSQL server that asks for a password and always refuses it (SQLSTATE 28P01). */
export interface FakePostgresAuthServer {
  readonly port: number;
  /** Passwords the clients sent (proves the client really tried one). */
  readonly passwordsReceived: readonly string[];
  /** Client connections currently open. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * Starts a minimal PostgreSQL wire-protocol server for "wrong password" tests when the real server
 * uses trust authentication: it answers the startup message with AuthenticationCleartextPassword,
 * reads the password message, replies `FATAL 28P01 password authentication failed` and closes.
 */
export async function startFakePostgresAuthServer(): Promise<FakePostgresAuthServer> {
  const passwords: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = Buffer.alloc(0);
    let phase: 'startup' | 'password' | 'done' = 'startup';
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (phase === 'startup') {
          if (buffer.length < 4) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          buffer = buffer.subarray(length);
          if (code === 80877103) {
            socket.write('N'); // SSLRequest: no SSL
            continue;
          }
          socket.write(authRequest());
          phase = 'password';
        } else if (phase === 'password') {
          if (buffer.length < 5) return;
          const length = buffer.readInt32BE(1);
          if (buffer.length < length + 1) return;
          passwords.push(buffer.subarray(5, length).toString('utf8').replace(/\0$/, ''));
          buffer = buffer.subarray(length + 1);
          phase = 'done';
          socket.end(errorResponse('28P01', 'password authentication failed for user "polecat"'));
        } else {
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server: no port');
  return {
    port: address.port,
    passwordsReceived: passwords,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function authRequest(): Buffer {
  const message = Buffer.alloc(9);
  message.write('R', 0);
  message.writeInt32BE(8, 1);
  message.writeInt32BE(3, 5); // AuthenticationCleartextPassword
  return message;
}

function errorResponse(sqlState: string, text: string): Buffer {
  const fields = Buffer.concat(
    [
      ['S', 'FATAL'],
      ['V', 'FATAL'],
      ['C', sqlState],
      ['M', text],
    ]
      .map(([type, value]) => Buffer.from(`${type}${value}\0`, 'utf8'))
      .concat(Buffer.from([0])),
  );
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}
