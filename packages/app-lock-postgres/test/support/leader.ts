// Child process of lead.integration.test.ts: campaigns for a lock id with `lead` and prints
// "leading" once it leads, then leads until the test SIGKILLs it. Arguments: URL, application_name, id.
import { lead } from '@polecat/app-lock';
import { PostgresAppLock } from '../../src';

const [url, applicationName, id] = process.argv.slice(2);
const lock = new PostgresAppLock(url!, { applicationName: applicationName! });
await lead(
  lock,
  id!,
  (signal) =>
    new Promise<void>((resolve) => {
      process.stdout.write('leading\n');
      signal.addEventListener('abort', () => resolve(), { once: true });
    }),
  { retryDelayMs: 200 },
);
