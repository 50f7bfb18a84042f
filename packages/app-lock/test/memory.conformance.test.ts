import { InMemoryLockServer } from '../src/memory/in-memory-lock-server';
import { runAppLockConformance } from '../src/testing';

const server = new InMemoryLockServer();

runAppLockConformance({
  name: 'memory',
  createLock: (options) => server.createLock(options),
  killSession: (lock) => {
    server.terminateSession(lock);
  },
  countServerConnections: () => server.openSessions,
});
