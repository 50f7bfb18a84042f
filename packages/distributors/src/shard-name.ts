import { DistributorError } from './errors';

/**
 * The identity of one shard (one unit of background work). Identity rules of the originals:
 * `{name}:{shardKey}`, or `{name}:V{version}:{shardKey}` when `version > 1`; a tenant-expanded
 * shard appends `:{tenant}` to its identity, but its lock stays the store-global shard's lock.
 *
 * Build one with {@link shardName}; read one back with {@link parseShardName}.
 */
export interface ShardName {
  readonly name: string;
  /** Default `All`. */
  readonly shardKey: string;
  /** Default 1. */
  readonly version: number;
  /** Set when the shard was expanded per tenant. */
  readonly tenant?: string;
  /** `{name}:{shardKey}`, `{name}:V{version}:{shardKey}` (version > 1), then `:{tenant}` if any. */
  readonly identity: string;
  /** The identity: `String(shard)` and `${shard}` read `Trip:All` (not `[object Object]`). */
  toString(): string;
}

/** Options of {@link shardName}. */
export interface ShardNameOptions {
  /** The shard key. Default `All`. */
  readonly shardKey?: string;
  /** The projection version, an integer >= 1. Default 1 (not written into the identity). */
  readonly version?: number;
  /** The tenant of a tenant-expanded shard. Default: none (a store-global shard). */
  readonly tenant?: string;
}

/** The default shard key of the originals. */
export const DEFAULT_SHARD_KEY = 'All';

function assertPart(kind: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new DistributorError('INVALID_SHARD_NAME', `Invalid shard name: the ${kind} must be a non-empty string`);
  }
  if (value.includes(':')) {
    throw new DistributorError('INVALID_SHARD_NAME', `Invalid shard name: the ${kind} "${value}" must not contain ':'`);
  }
}

function assertVersion(version: unknown): asserts version is number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    throw new DistributorError('INVALID_SHARD_NAME', `Invalid shard name: the version must be an integer >= 1, got ${String(version)}`);
  }
}

/**
 * The store-global identity of a shard, without the tenant suffix: `{name}:{shardKey}` or
 * `{name}:V{version}:{shardKey}`. This is the string the lock id is computed from.
 * @example globalIdentity(shardName('Trip', { tenant: 'acme' })) // 'Trip:All'
 */
export function globalIdentity(shard: Pick<ShardName, 'name' | 'shardKey' | 'version'>): string {
  return shard.version > 1 ? `${shard.name}:V${shard.version}:${shard.shardKey}` : `${shard.name}:${shard.shardKey}`;
}

/**
 * Builds a validated, frozen {@link ShardName}.
 * @throws DistributorError `INVALID_SHARD_NAME` when a part is empty or contains `:`, or the version
 * is not an integer >= 1.
 * @example shardName('Trip').identity // 'Trip:All'
 * @example shardName('Trip', { version: 2, tenant: 'acme' }).identity // 'Trip:V2:All:acme'
 */
export function shardName(name: string, options: ShardNameOptions = {}): ShardName {
  const shardKey = options.shardKey ?? DEFAULT_SHARD_KEY;
  const version = options.version ?? 1;
  assertPart('name', name);
  assertPart('shard key', shardKey);
  assertVersion(version);
  const base = globalIdentity({ name, shardKey, version });
  if (options.tenant === undefined) return readable({ name, shardKey, version, identity: base });
  assertPart('tenant', options.tenant);
  return readable({ name, shardKey, version, tenant: options.tenant, identity: `${base}:${options.tenant}` });
}

/** Freezes `shard` with a non-enumerable `toString()` (its identity), so `${shard}` and logs read `Trip:All`. */
function readable(shard: Omit<ShardName, 'toString'>): ShardName {
  Object.defineProperty(shard, 'toString', { value: identityOf, enumerable: false });
  return Object.freeze(shard) as ShardName;
}

function identityOf(this: ShardName): string {
  return this.identity;
}

/**
 * The same shard expanded for `tenant` (replacing any tenant it had).
 * @example withTenant(shardName('Trip'), 'acme').identity // 'Trip:All:acme'
 */
export function withTenant(shard: ShardName, tenant: string): ShardName {
  return shardName(shard.name, { shardKey: shard.shardKey, version: shard.version, tenant });
}

/**
 * Reads an identity back into a {@link ShardName}. Accepted forms: `Name:Key`, `Name:V{n}:Key`
 * (n > 1), `Name:Key:Tenant`, `Name:V{n}:Key:Tenant`. A three-part identity whose middle part is
 * `V{n}` with n > 1 reads as a version (so a shard key `V2` with a tenant does not round-trip;
 * the originals' identities are ambiguous there too).
 * @throws DistributorError `INVALID_SHARD_NAME` for any other shape.
 * @example parseShardName('Trip:V2:All') // { name: 'Trip', shardKey: 'All', version: 2, ... }
 */
export function parseShardName(identity: string): ShardName {
  const parts = typeof identity === 'string' ? identity.split(':') : [];
  const versionOf = (part: string | undefined): number | undefined => {
    const match = part === undefined ? null : /^V([0-9]+)$/.exec(part);
    const version = match ? Number(match[1]) : undefined;
    return version !== undefined && Number.isSafeInteger(version) && version > 1 ? version : undefined;
  };
  const [name = '', second = '', third, fourth] = parts;
  if (parts.length === 2) return shardName(name, { shardKey: second });
  if (parts.length === 3) {
    const version = versionOf(second);
    return version === undefined ? shardName(name, { shardKey: second, tenant: third! }) : shardName(name, { shardKey: third!, version });
  }
  if (parts.length === 4) {
    const version = versionOf(second);
    if (version !== undefined) return shardName(name, { shardKey: third!, version, tenant: fourth! });
  }
  throw new DistributorError(
    'INVALID_SHARD_NAME',
    `Invalid shard identity "${String(identity)}": expected Name:Key, Name:V{n}:Key, optionally followed by :Tenant`,
  );
}

/**
 * Throws `DistributorError` unless `shard` is well formed (valid parts, and an `identity` that
 * matches them). Accepts structurally built objects, not only those from {@link shardName}.
 */
export function assertShardName(shard: ShardName): void {
  const expected = shardName(shard.name, {
    shardKey: shard.shardKey,
    version: shard.version,
    ...(shard.tenant === undefined ? {} : { tenant: shard.tenant }),
  }).identity;
  if (shard.identity !== expected) {
    throw new DistributorError('INVALID_SHARD_NAME', `Invalid shard name: identity "${shard.identity}" does not match its parts ("${expected}")`);
  }
}

/**
 * Validates a configuration's shards: each well formed, no identity twice.
 * @throws DistributorError `INVALID_SHARD_NAME` or `DUPLICATE_SHARD`.
 */
export function assertUniqueShards(shards: readonly ShardName[]): void {
  const seen = new Set<string>();
  for (const shard of shards) {
    assertShardName(shard);
    if (seen.has(shard.identity)) {
      throw new DistributorError('DUPLICATE_SHARD', `Shard "${shard.identity}" is configured twice`);
    }
    seen.add(shard.identity);
  }
}
