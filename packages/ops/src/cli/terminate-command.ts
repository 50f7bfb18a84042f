import { InvalidArgumentError, type Command } from 'commander';
import { terminateStrandedSession } from '../terminate-session';
import { resolveConnection, withPostgres } from './connection';
import type { CliIo } from './program';

/** `polecat terminate <pid>`: ends a session holding stranded locks (see {@link terminateStrandedSession}). */
export function registerTerminateCommand(command: Command, io: CliIo): Command {
  return command
    .description("end a session holding stranded locks (e.g. a pooler's server connection); refuses a live node's session")
    .action(async (pidText: string, options: { readonly connection?: string; readonly json?: boolean }) => {
      const pid = Number(pidText);
      if (!Number.isInteger(pid) || pid <= 0) throw new InvalidArgumentError(`expected a backend pid, got ${pidText}`);
      const connection = resolveConnection(options.connection, io.env);
      const ended = await withPostgres(connection, (client) => terminateStrandedSession(client, pid));
      io.out(
        options.json === true
          ? `${JSON.stringify(ended)}\n`
          : `terminated session ${ended.session} (${ended.applicationName || 'no application_name'}); ${ended.locks} advisory lock(s) freed\n`,
      );
    });
}
