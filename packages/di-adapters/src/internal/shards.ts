import type { AgentFunction } from '@polecat/coordinator';
import { parseShardName, shardName, type ShardName } from '@polecat/distributors';
import type { ShardsInput } from '../coordinator-options';
import { DiAdapterError } from '../errors';

/** `Trip` -> `Trip:All`; `Trip:V2:All` parsed as an identity. */
function toShardName(value: string | ShardName): ShardName {
  if (typeof value !== 'string') return value;
  return value.includes(':') ? parseShardName(value) : shardName(value);
}

/** The shard names and (for a record) the agent functions of a {@link ShardsInput}. */
export function readShards(shards: ShardsInput | undefined, store: string): {
  readonly names: readonly ShardName[];
  readonly agents?: Readonly<Record<string, AgentFunction>>;
} {
  if (shards === undefined) {
    throw new DiAdapterError('INVALID_CONFIGURATION', `Store "${store}" has no shards: pass shards: { name: async ({ signal }) => { ... } }`);
  }
  if (Array.isArray(shards)) return { names: (shards as readonly (string | ShardName)[]).map(toShardName) };
  const record = shards as Readonly<Record<string, AgentFunction>>;
  for (const [name, agent] of Object.entries(record)) {
    if (typeof agent !== 'function') {
      throw new DiAdapterError('INVALID_CONFIGURATION', `Store "${store}": the agent of shard "${name}" must be a function, got ${typeof agent}`);
    }
  }
  return { names: Object.keys(record).map(toShardName), agents: record };
}
