export {
  DEFAULT_SHARD_KEY,
  assertShardName,
  assertUniqueShards,
  globalIdentity,
  parseShardName,
  shardName,
  withTenant,
  type ShardName,
  type ShardNameOptions,
} from './shard-name';
export type { DatabaseSource, ProjectionDatabase } from './projection-database';
export type { ProjectionSet } from './projection-set';
export type { ProjectionDistributor, SetsLostEvent } from './projection-distributor';
export { DISTRIBUTOR_SHARE_SCOPES, type DistributorCapabilities, type DistributorShareScope } from './distributor-capabilities';
export { LOCK_ROUND_TRIP_OPERATIONS, type LockRoundTripEvent, type LockRoundTripOperation } from './lock-round-trip';
export { DEFAULT_MAX_NODES, memberSlotId, type DatabaseMembership } from './cluster-membership';
export { MEMBER_JOINED_NOTICE, MEMBER_LEAVING_NOTICE, MEMBER_LEFT_NOTICE } from './release-reasons';
export type { DistributorOptions, LockHostSource, LockingDistributorOptions, ShardSource } from './distributor-options';
export { hash32 } from './lock-id-hash';
export { DEFAULT_DAEMON_LOCK_ID, DEFAULT_SCHEMA, computeLockId } from './compute-lock-id';
export { DISTRIBUTOR_ERROR_CODES, DistributorError, type DistributorErrorCode, type DistributorErrorOptions } from './errors';
export { SoloProjectionDistributor, type SoloProjectionDistributorOptions } from './solo-projection-distributor';
export { SingleTenantProjectionDistributor, type SingleTenantProjectionDistributorOptions } from './single-tenant-projection-distributor';
export {
  DEFAULT_STORE_NAME,
  MULTI_TENANTED_LOCK_ID_STRATEGIES,
  MultiTenantedProjectionDistributor,
  multiTenantedLockId,
  type MultiTenantedLockIdStrategy,
  type MultiTenantedProjectionDistributorOptions,
} from './multi-tenanted-projection-distributor';
