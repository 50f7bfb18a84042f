import type { AnyMessage } from '@event-driven-io/emmett';
import type { PostgreSQLProcessor } from '@event-driven-io/emmett-postgresql';

/** The first error a processor raised during one run. */
export interface RunFailure {
  error: unknown;
  failed: boolean;
}

/** Batch boundaries of one run, for progress reporting. */
export interface BatchHooks {
  readonly started: () => void;
  /** `position`: the global position of the batch's last message. */
  readonly ended: (position: bigint | undefined) => void;
}

/**
 * Delegates to `inner`, reports batch boundaries, and records the first error of `start` or `handle`: Emmett's consumer
 * swallows processor errors (`Promise.allSettled`, then it stops), and the run must rethrow them.
 * `isActive` stays a live getter (a spread would freeze it).
 */
export function observeProcessor(inner: PostgreSQLProcessor<AnyMessage>, failure: RunFailure, batches: BatchHooks): PostgreSQLProcessor<AnyMessage> {
  const record = (error: unknown): never => {
    if (!failure.failed) {
      failure.failed = true;
      failure.error = error;
    }
    throw error;
  };
  return {
    id: inner.id,
    instanceId: inner.instanceId,
    type: inner.type,
    init: (options) => inner.init(options),
    start: (options) => inner.start(options).catch(record),
    close: (options) => inner.close(options),
    get isActive() {
      return inner.isActive;
    },
    handle: async (messages, context) => {
      batches.started();
      let position: bigint | undefined;
      try {
        const result = await inner.handle(messages, context);
        position = messages.at(-1)?.metadata.globalPosition;
        return result;
      } catch (error) {
        return record(error);
      } finally {
        batches.ended(position);
      }
    },
  };
}
