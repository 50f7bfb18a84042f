import type { PgClientLike } from '../internal/pg-client';
import type { StatusServerOptions } from '../web/status-server';

/** The lock release-notice channel (`PostgresAppLock`'s default `releaseChannel`). */
const RELEASE_CHANNEL = 'polecat_lock_released';

/**
 * `LISTEN`s on the lock release notices on `client` and returns the web view's `notices` source
 * (the releasing backend pid, the payload as the reason); `undefined` when `LISTEN` fails (a hint:
 * the timeline then tells causes from intents and dead sessions only).
 */
export async function listenForReleases(client: PgClientLike): Promise<StatusServerOptions['notices']> {
  try {
    await client.query(`LISTEN ${RELEASE_CHANNEL}`);
  } catch {
    return undefined;
  }
  return (listener) => {
    let active = true;
    client.on('notification', (message) => {
      if (!active || message.channel !== RELEASE_CHANNEL || message.processId === undefined) return;
      listener({ session: message.processId, ...(message.payload === undefined || message.payload === '' ? {} : { reason: message.payload }) });
    });
    return () => void (active = false);
  };
}
