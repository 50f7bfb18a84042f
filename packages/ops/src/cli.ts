// `@polecat/ops/cli`: the `polecat` command as functions (commander and cli-table3 load here only).
export { createProgram, runCli, type CliIo } from './cli/program';
export { connectionBackend, type ConnectionBackend } from './cli/connection';
export { formatClusterSnapshot } from './cli/format-status';
