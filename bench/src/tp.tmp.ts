import { runEmmettThroughput } from './emmett/emmett-throughput';
const r = await runEmmettThroughput(process.env.POLECAT_TEST_PG!, Number(process.env.EV ?? 3000), Number(process.env.PAIRS ?? 4), (l) => console.log(l));
console.log(JSON.stringify({ ...r, rounds: undefined }, null, 1));
