import type { AgentFunction } from '@polecat/coordinator';
import { parseShardName, shardName, type ShardName } from '@polecat/distributors';
import type { ShardsInput } from '../coordinator-options';
import { DiAdapterError } from '../errors';

/**
 * `Trip` -> `Trip:All`; `Trip:V2:All` parsed as an identity. An identity that is not written the
 * way the shard names it (`a:V02:b` is `a:V2:b`) is refused: its agent would never be found.
 */
function toShardName(value: string | ShardName, store: string): ShardName {
  if (typeof value !== 'string') return value;
  if (!value.includes(':')) return shardName(value);
  const parsed = parseShardName(value);
  if (parsed.identity !== value) {
    throw new DiAdapterError('INVALID_CONFIGURATION', `Store "${store}": shard "${value}" is not written canonically; write it as "${parsed.identity}"`);
  }
  return parsed;
}

function noShards(store: string, what: string): DiAdapterError {
  return new DiAdapterError('INVALID_CONFIGURATION', `Store "${store}" has no shards (${what}): pass shards: { name: async ({ signal }) => { ... } }`);
}

/** The shard names and (for a record) the agent functions of a {@link ShardsInput}; refuses a missing, empty or malformed one. */
export function readShards(
  shards: ShardsInput | undefined,
  store: string,
): {
  readonly names: readonly ShardName[];
  readonly agents?: Readonly<Record<string, AgentFunction>>;
} {
  const given: unknown = shards;
  if (given === undefined || given === null) throw noShards(store, `shards is ${String(given)}`);
  if (typeof given !== 'object' || given instanceof Map || given instanceof Set) {
    throw new DiAdapterError(
      'INVALID_CONFIGURATION',
      `Store "${store}": shards must be a plain object { name: agentFunction } or a list of names, got ${given instanceof Map ? 'a Map' : given instanceof Set ? 'a Set' : typeof given}`,
    );
  }
  if (Array.isArray(given)) {
    if (given.length === 0) throw noShards(store, 'an empty list');
    return { names: (given as readonly (string | ShardName)[]).map((name) => toShardName(name, store)) };
  }
  const record = given as Readonly<Record<string, AgentFunction>>;
  const entries = Object.entries(record);
  if (entries.length === 0) throw noShards(store, 'an empty object');
  for (const [name, agent] of entries) {
    if (typeof agent !== 'function') {
      throw new DiAdapterError('INVALID_CONFIGURATION', `Store "${store}": the agent of shard "${name}" must be a function, got ${typeof agent}`);
    }
  }
  return { names: entries.map(([name]) => toShardName(name, store)), agents: record };
}
