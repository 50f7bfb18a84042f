// An idle Node process with the same loader (tsx) as a node process: prints its RSS after 2 s.
setTimeout(() => {
  process.stdout.write(`${JSON.stringify({ rss: process.memoryUsage().rss })}\n`);
}, 2_000);
