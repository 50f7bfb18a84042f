import type mssql from 'mssql';
import { AppLockError } from '../errors';

/** Query parameters a SQL Server URL may carry, and the mssql option each sets. */
const BOOLEAN_OPTIONS: Readonly<Record<string, 'encrypt' | 'trustServerCertificate'>> = {
  encrypt: 'encrypt',
  trustservercertificate: 'trustServerCertificate',
};

/**
 * Reads `mssql://user:password@host[:port]/database?encrypt=true&trustServerCertificate=true&instanceName=SQL1&applicationName=app`
 * (also `sqlserver://`): user and password are URL-decoded; the only query parameters are the four
 * shown. Errors (`INVALID_CONFIGURATION`) never repeat the URL or its password.
 */
export function parseSqlServerUrl(connection: string): { readonly config: mssql.config; readonly applicationName?: string } {
  let url: URL;
  try {
    url = new URL(connection.trim());
  } catch {
    throw new AppLockError('INVALID_CONFIGURATION', 'The SQL Server URL could not be parsed (its text is not repeated here because it may contain a password)');
  }
  if (url.hostname === '') throw new AppLockError('INVALID_CONFIGURATION', 'The SQL Server URL names no host (mssql://user:password@host:1433/database)');
  const options: { encrypt?: boolean; trustServerCertificate?: boolean; instanceName?: string } = {};
  let applicationName: string | undefined;
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase();
    const option = BOOLEAN_OPTIONS[lower];
    if (option !== undefined) {
      if (value !== 'true' && value !== 'false')
        throw new AppLockError('INVALID_CONFIGURATION', `The SQL Server URL parameter ${option} must be true or false`);
      options[option] = value === 'true';
    } else if (lower === 'instancename') options.instanceName = value;
    else if (lower === 'applicationname' || lower === 'app') applicationName = value;
    else {
      throw new AppLockError(
        'INVALID_CONFIGURATION',
        'A SQL Server URL accepts only the parameters encrypt, trustServerCertificate, instanceName and applicationName (use a Server=...; string for more)',
      );
    }
  }
  const decode = (text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new AppLockError('INVALID_CONFIGURATION', 'The SQL Server URL has a malformed %-escape in its user or password');
    }
  };
  const database = decode(url.pathname.replace(/^\//, ''));
  const config: mssql.config = {
    server: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    ...(url.username === '' ? {} : { user: decode(url.username) }),
    ...(url.password === '' ? {} : { password: decode(url.password) }),
    ...(database === '' ? {} : { database }),
    options,
  };
  return applicationName === undefined ? { config } : { config, applicationName };
}
