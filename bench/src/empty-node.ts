// An idle Node process with the same loader (tsx) as a node process: prints its RSS after 2 s, then
// (run with --expose-gc) its V8 heap in use after a full garbage collection.
setTimeout(() => {
  const rss = process.memoryUsage().rss;
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(`${JSON.stringify({ rss, liveHeap: process.memoryUsage().heapUsed })}\n`);
}, 2_000);
