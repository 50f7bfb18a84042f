import type { Clock, SleepOptions } from '@polecat/app-lock';

/** Who a timer belongs to: a node name (frozen and killed with it) or `server`. */
export type TimerOwner = string;

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly owner: TimerOwner;
  /** Dropped (set to a no-op) on cancel: a cancelled timer stays queued until its time. */
  fire: () => void;
  cancelled: boolean;
}

const NOTHING = (): void => undefined;

/** Virtual time at the start of every run (a plausible epoch, so timestamps read like dates). */
export const SIM_EPOCH_MS = 1_767_225_600_000;

/** Resolves once every queued microtask (and `process.nextTick`) has run. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Virtual time and the only source of timers in a run. Time advances only when every microtask
 * has drained; timers fire one at a time in (time, creation) order, so a run is a pure function of
 * its seed. Timers belong to an owner: a frozen owner's due timers wait until it resumes, a killed
 * owner's never fire.
 */
export class Scheduler {
  #now = SIM_EPOCH_MS;
  #seq = 0;
  #heap: Timer[] = [];
  readonly #frozen = new Map<TimerOwner, Timer[]>();
  readonly #killed = new Set<TimerOwner>();
  #fired = 0;

  /** Current virtual time (ms since the epoch). */
  get now(): number {
    return this.#now;
  }

  /** Virtual ms since the run started. */
  get elapsed(): number {
    return this.#now - SIM_EPOCH_MS;
  }

  /** Timers fired so far (the run's step count). */
  get steps(): number {
    return this.#fired;
  }

  /** Schedules `fire` at `now + delayMs` for `owner`; returns a cancel function. */
  schedule(owner: TimerOwner, delayMs: number, fire: () => void): () => void {
    if (this.#killed.has(owner)) return () => undefined;
    const timer: Timer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, owner, fire, cancelled: false };
    this.#push(timer);
    return () => {
      timer.cancelled = true;
      // A cancelled timer waits in the queue until its time (a request's timeout: seconds) and must
      // not keep what its callback reaches alive until then: an aborted sleep's signal reason (a
      // DOMException whose stack holds the frames' closures) kept every probe's id list of the
      // last timeout's worth of requests; 1 000 nodes ran out of a 6 GB heap.
      timer.fire = NOTHING;
    };
  }

  /** Stops `owner`'s timers from firing until {@link thaw}. */
  freeze(owner: TimerOwner): void {
    if (!this.#frozen.has(owner)) this.#frozen.set(owner, []);
  }

  /** Lets `owner` run again: timers that came due while it was frozen fire now, in their order. */
  thaw(owner: TimerOwner): void {
    const held = this.#frozen.get(owner);
    if (held === undefined) return;
    this.#frozen.delete(owner);
    for (const timer of held) this.#push({ ...timer, at: this.#now, seq: this.#seq++ });
  }

  /** Whether `owner` is frozen. */
  isFrozen(owner: TimerOwner): boolean {
    return this.#frozen.has(owner);
  }

  /** Drops every timer of `owner`, now and later (its process is gone). */
  kill(owner: TimerOwner): void {
    this.#killed.add(owner);
    this.#frozen.delete(owner);
  }

  /** A {@link Clock} whose timers belong to `owner`. */
  clockFor(owner: TimerOwner): Clock {
    return {
      now: () => this.#now,
      sleep: (ms: number, signal?: AbortSignal, _options?: SleepOptions) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) {
            reject(signal.reason);
            return;
          }
          const onAbort = (): void => {
            cancel();
            reject(signal?.reason);
          };
          const cancel = this.schedule(owner, ms, () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          });
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
    };
  }

  /** Drains microtasks (for callers that must see every consequence of a synchronous step). */
  settle(): Promise<void> {
    return drainMicrotasks();
  }

  /**
   * Fires timers in order until virtual time would pass `untilMs` (absolute) or nothing is left.
   * `afterStep` runs after each timer's consequences drained (the invariant checks); returning
   * `true` ends the run there.
   */
  async runUntil(untilMs: number, afterStep?: () => boolean | void): Promise<void> {
    await drainMicrotasks();
    for (;;) {
      const timer = this.#heap[0];
      if (timer === undefined || timer.at > untilMs) break;
      this.#pop();
      if (timer.cancelled || this.#killed.has(timer.owner)) continue;
      this.#now = timer.at;
      const held = this.#frozen.get(timer.owner);
      if (held !== undefined) {
        held.push(timer);
        continue;
      }
      this.#fired++;
      timer.fire();
      await drainMicrotasks();
      if (afterStep?.() === true) return;
    }
    if (this.#now < untilMs) this.#now = untilMs;
  }

  #push(timer: Timer): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && earlier(heap[left]!, heap[least]!)) least = left;
      if (right < heap.length && earlier(heap[right]!, heap[least]!)) least = right;
      if (least === i) break;
      [heap[i], heap[least]] = [heap[least]!, heap[i]!];
      i = least;
    }
  }
}

function earlier(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
