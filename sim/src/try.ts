import { runSeed } from './run-seed.ts';
const seed = Number(process.argv[2] ?? 1);
const t0 = performance.now();
const r = await runSeed({ seed, trace: process.argv[3] === 't' });
console.log(JSON.stringify({ ...r, trace: r.trace.length, faults: r.faults.map(f=>f.kind+':'+f.node) }), (performance.now()-t0).toFixed(0),'ms');
if (process.argv[3] === 't') console.log(r.trace.slice(0, 200).join('\n'));
