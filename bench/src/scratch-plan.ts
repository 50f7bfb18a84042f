import { planCycle } from '@polecat/coordinator';
const n = 10000;
const db = { id: 'main' };
const sets = Array.from({ length: n }, (_, i) => Object.freeze({ key: `main/${i}`, lockId: i, database: db, names: Object.freeze([{ name: `S${i}`, identity: `S${i}:All` }]) })) as never[];
const tracked = [...sets];
const running = { status: 'Running' as const };
const input = { distribution: sets, isHeld: () => true, tracked, agentState: () => running as never, anyPaused: false, backoff: new Map(), now: Date.now(), settings: { leadershipPollingTime: 5000, agentPauseTime: 1000, healthCheckPollingTime: 5000, restartStoppedAgents: true } };
for (let r = 0; r < 10; r++) { const t = performance.now(); planCycle(input as never); console.log((performance.now() - t).toFixed(2)); }
