import { ListenerSet } from '@polecat/kit';
import type { LockLostEvent } from '../app-lock';
import type { LockLostError } from '../errors';
import type { Logger } from '../logger';
import { describeError } from './describe-error';
import { LockHoldClosedError } from './lock-hold-closed-error';

/**
 * The `onLockLost` listeners (kit's {@link ListenerSet}: `add` subscribes) and the one way a loss
 * reaches them: an event whose `hold` (and deprecated `waitUntil`) collect work only while the
 * listeners run.
 */
export class LossDispatch extends ListenerSet<[LockLostEvent]> {
  readonly #warn: (message: string, fields: Record<string, unknown>) => void;

  constructor(logger: Logger, backend: string) {
    super((error) => logger.error('lock-lost listener threw', { error: describeError(error) }));
    this.#warn = (message, fields) => logger.warn(message, { backend, ...fields });
  }

  /**
   * Tells every listener (a throwing one is logged and the others still run) and resolves with
   * the work they passed to `hold`/`waitUntil` during the dispatch. Once it returned, `hold`
   * throws {@link LockHoldClosedError} and `waitUntil` warns and ignores the call.
   */
  dispatch(error: LockLostError): PromiseLike<unknown>[] {
    const ids = error.ids;
    const work: PromiseLike<unknown>[] = [];
    let dispatching = true;
    const collect = (promise: PromiseLike<unknown>): void => {
      if (promise !== null && typeof promise?.then === 'function') work.push(promise);
    };
    const hold = (promise: PromiseLike<unknown>): void => {
      if (!dispatching) throw new LockHoldClosedError(ids);
      collect(promise);
    };
    const waitUntil = (promise: PromiseLike<unknown>): void => {
      if (!dispatching) {
        this.#warn('LockLostEvent.waitUntil called after the event was dispatched; ignored (call it synchronously from the listener)', { ids });
        return;
      }
      collect(promise);
    };
    const event: LockLostEvent = { ids, error, hold, waitUntil };
    this.emit(event);
    dispatching = false;
    return work;
  }
}
