import type { AppLock } from '@polecat/app-lock';
import { memoryBackend, postgresBackend, sqlServerBackend, type Backend } from './backends';
import { exampleArgs } from './example-args';

// Two owners compete for one lock; the holder dies; the other takes over.
//   pnpm --filter @polecat/example-app-lock-takeover start                  (in-memory)
//   ... start -- --pg                                                      (the machine's PostgreSQL)
//   ... start -- --pg postgres://postgres@127.0.0.1:5432/test              (or POLECAT_PG_URL)
//   ... start -- --url <PostgreSQL or SQL Server connection string>
//   ... start -- --mssql 'Server=localhost;Database=test;User Id=sa;Password=...'

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function chooseBackend(): Promise<Backend> {
  const values = exampleArgs('start [-- --pg [url] | --url <connection string> | --mssql <connection string>]', { mssql: { type: 'string' } });
  const url = typeof values.url === 'string' ? values.url : undefined;
  const mssql = typeof values.mssql === 'string' ? values.mssql : undefined;
  const pgUrl = typeof values.pg === 'string' ? values.pg : process.env.POLECAT_PG_URL;
  if (url !== undefined) {
    const { connectionStringForm, ACCEPTED_CONNECTION_FORMS } = await import('@polecat/app-lock');
    const form = connectionStringForm(url);
    if (form === undefined) throw new Error(`--url expects ${ACCEPTED_CONNECTION_FORMS}`);
    return form.startsWith('postgres') ? postgresBackend(url) : sqlServerBackend(url);
  }
  if (mssql) return sqlServerBackend(mssql);
  if (pgUrl) return postgresBackend(pgUrl);
  return memoryBackend();
}

async function main(): Promise<void> {
  const backend = await chooseBackend();
  const lockId = `example-takeover-${process.pid}`;
  console.log(`backend: ${backend.description}; lock id: ${lockId}`);

  const owners: Record<string, AppLock> = { alice: backend.createOwner('alice'), bob: backend.createOwner('bob') };
  for (const [name, lock] of Object.entries(owners)) {
    lock.onLockLost((event) => console.log(`${name}: lost ${event.ids.join(', ')} (${event.error.reason})`));
  }
  try {
    // Both try at once: exactly one wins.
    const [aliceWon, bobWon] = await Promise.all([owners.alice!.tryAttainLock(lockId), owners.bob!.tryAttainLock(lockId)]);
    console.log(`alice attained: ${aliceWon}, bob attained: ${bobWon}`);
    if (aliceWon === bobWon) throw new Error('exactly one owner must hold the lock');
    const [holder, waiter] = aliceWon ? ['alice', 'bob'] : ['bob', 'alice'];
    console.log(`${holder} holds the lock and works; ${waiter} retries every 50 ms`);
    owners[holder]!.lockSignal(lockId)!.addEventListener('abort', () => console.log(`${holder}: work signal aborted, stops working`));
    await sleep(500);

    const killedAt = performance.now();
    console.log(`${holder} dies: ${await backend.kill(owners[holder]!, holder)}`);
    let attempts = 0;
    while (!(await owners[waiter]!.tryAttainLock(lockId))) {
      attempts += 1;
      await sleep(50);
    }
    const takeoverMs = performance.now() - killedAt;
    console.log(`${waiter} took over after ${takeoverMs.toFixed(1)} ms (${attempts} failed attempt(s) meanwhile)`);
    console.log(`now holding: alice=${owners.alice!.hasLock(lockId)}, bob=${owners.bob!.hasLock(lockId)}`);
    if (owners[holder]!.hasLock(lockId) || !owners[waiter]!.hasLock(lockId)) throw new Error('ownership did not move');
  } finally {
    await Promise.all(Object.values(owners).map((lock) => lock.dispose()));
    await backend.close();
  }
}

const guard = setTimeout(() => {
  console.error('takeover did not happen within 15 s');
  process.exit(1);
}, 15_000);
guard.unref();

main().then(
  () => clearTimeout(guard),
  (error: unknown) => {
    console.error(`takeover demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
