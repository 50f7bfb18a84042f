import { OpsError } from '../ops-error';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Validates a schema name (letters, digits, `_`; 1 to 63 characters) and returns it quoted. */
export function quotedSchema(schema: unknown): string {
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema)) {
    throw new OpsError('INVALID_ARGUMENT', `schema must be a plain SQL identifier (letters, digits, _; 1 to 63 characters), got ${JSON.stringify(schema)}`);
  }
  return `"${schema}"`;
}

const NODE_ID = /^[A-Za-z0-9._:@-]{1,48}$/;

/** Validates a node id: 1 to 48 characters of `A-Z a-z 0-9 . _ : @ -` (it becomes part of `application_name`). */
export function assertNodeId(nodeId: unknown): asserts nodeId is string {
  if (typeof nodeId !== 'string' || !NODE_ID.test(nodeId)) {
    throw new OpsError('INVALID_ARGUMENT', `node id must be 1 to 48 characters of A-Z a-z 0-9 . _ : @ -, got ${JSON.stringify(nodeId)}`);
  }
}

/** The PostgreSQL SQLSTATE of a driver error, if any. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
