// Child process of wait-for-lock.integration.test.ts: waits for a lock held elsewhere (60 s bound)
// until the test SIGKILLs it. Arguments: connection URL, application_name, lock id.
import { PostgresAppLock } from '../../src';

const [url, applicationName, id] = process.argv.slice(2);
const lock = new PostgresAppLock(url!, { applicationName: applicationName!, verifyIntervalMs: 0, releaseChannel: false });
await lock.waitForLock(id!, { timeoutMs: 60_000 });
