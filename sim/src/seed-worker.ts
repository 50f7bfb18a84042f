import { parentPort, workerData } from 'node:worker_threads';
import { runSeed } from './run-seed';
import { summarise } from './sweep';

/** What the sweep hands a worker thread: its share of the seeds (it posts one summary per seed). */
interface WorkerInput {
  readonly seeds: readonly number[];
}

const input = workerData as WorkerInput;
for (const seed of input.seeds) {
  const result = await runSeed({ seed });
  parentPort?.postMessage(summarise(result));
}
