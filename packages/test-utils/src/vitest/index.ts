// The helpers that need vitest (suite declarations, hooks): an explicit entry, so the root of
// @polecat/test-utils can be used by child processes, bench and chaos without loading vitest.
export { cleanupAfterEach } from './cleanup-after-each';
export { describePostgres } from './describe-postgres';
export { describeSqlServer } from './describe-sql-server';
