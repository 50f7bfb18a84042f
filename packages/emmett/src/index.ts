// @polecat/emmett: Emmett's PostgreSQL processors (projectors, reactors) coordinated across nodes.
// One shard per processor; one Emmett consumer per owned shard; fencing epochs asserted in the
// batch transaction next to Emmett's checkpoint.

export { EMMETT_ERROR_CODES, EmmettCoordinationError, type EmmettCoordinationErrorOptions, type EmmettErrorCode } from './emmett-error';
export {
  emmettProjector,
  emmettReactor,
  type EmmettProcessor,
  type EmmettProjectorOptions,
  type EmmettReactorOptions,
  type EmmettShardOption,
  type ManagedEmmettOption,
} from './emmett-processor';
export { emmettAgent, type EmmettAgentOptions, type EmmettPullingOptions } from './emmett-agent';
export { runEmmettProcessors, type EmmettProcessors, type RunEmmettProcessorsOptions } from './run-emmett-processors';
