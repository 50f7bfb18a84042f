import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePostgres } from '@polecat/test-utils/vitest';
import { runCli } from '../src/cli';
import { readPostgresClusterSnapshot } from '../src/index';
import { CHROMIUM, CHROMIUM_FLAGS, ensureChromium } from './support/chromium';
import { AgentLedger, spawnOpsNode, waitFor, type OpsNodeProcess } from './support/ops-cluster';

const SHARDS = ['W0', 'W1', 'W2', 'W3', 'W4', 'W5'];
const browserAvailable = ensureChromium();

if (!browserAvailable.ok && !browserAvailable.mustFail) {
  console.log(`[skip] polecat status --web in a real browser: ${browserAvailable.reason} (CI=true makes this a failure).`);
  describe.skip('polecat status --web in a real browser', () => it('needs chromium', () => undefined));
} else {
  await describePostgres('polecat status --web in a real browser', (url) => {
    const schema = `ops_web_${randomUUID().slice(0, 8)}`;
    const ledger = new AgentLedger();
    const nodes: OpsNodeProcess[] = [];
    const web = new AbortController();
    let served: Promise<number> | undefined;
    let admin: pg.Client;
    let browser: Browser | undefined;

    beforeAll(async () => {
      admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
    });
    afterAll(async () => {
      web.abort();
      await served;
      await browser?.close();
      await Promise.all(nodes.map((node) => node.kill()));
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
      await admin.end();
    });

    it('the page shows the shards, a node process is killed, the page shows them move', async () => {
      if (!browserAvailable.ok) throw new Error(`a real browser is required in CI: ${browserAvailable.reason}`);
      const daemonLockId = 800_000 + Math.floor(Math.random() * 100_000);
      for (const nodeId of ['w1', 'w2', 'w3']) nodes.push(spawnOpsNode({ url, nodeId, shards: SHARDS, schema, daemonLockId, pollingMs: 1000 }, ledger));
      await Promise.all(nodes.map((node) => node.ready));
      // the nodes create the ops tables on their first cycle; the web view refuses a database without them
      await waitFor(
        'the nodes to register',
        async () => (await readPostgresClusterSnapshot(admin, { schema }).catch(() => undefined))?.sets.length === SHARDS.length,
      );

      let printed = '';
      served = runCli(['status', url, '--schema', schema, '--web', '--interval', '250'], {
        out: (text) => void (printed += text),
        err: (text) => void (printed += text),
        env: {},
        signal: web.signal,
      });
      const pageUrl = await waitFor('the web view to listen', () => {
        if (printed.includes('polecat:')) throw new Error(`polecat status --web failed: ${printed}`);
        return /serving (http:\/\/\S+)/.exec(printed)?.[1];
      });

      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
      const page = await browser.newPage();
      await page.goto(pageUrl);
      const holders = (): Promise<Record<string, string>> =>
        page.$$eval('#sets tr[data-set]', (rows) =>
          Object.fromEntries(rows.map((row) => [row.getAttribute('data-shards') ?? '', row.querySelector('.holder')?.textContent ?? ''])),
        );

      // every shard shown with a holder, balanced over the three nodes and settled (the same on two
      // reads in a row): a kill while balancing still hands sets over would mix balanced and killed moves
      let previous = '';
      const before = await waitFor(
        'the page to show every shard held by the three nodes, balanced and settled',
        async () => {
          const shown = await holders();
          const values = Object.values(shown);
          const perNode = ['w1', 'w2', 'w3'].map((node) => values.filter((holder) => holder === node).length);
          const balanced = values.length === SHARDS.length && perNode.every((count) => count === SHARDS.length / 3);
          const settled = balanced && JSON.stringify(shown) === previous;
          previous = balanced ? JSON.stringify(shown) : '';
          if (settled) return shown;
          await new Promise((resolve) => setTimeout(resolve, 500));
          return undefined;
        },
        30_000,
      );
      expect(Object.keys(before).sort()).toEqual(SHARDS.map((name) => `${name}:All`));

      const victim = nodes[0]!;
      const moving = Object.entries(before)
        .filter(([, holder]) => holder === victim.nodeId)
        .map(([shard]) => shard);
      expect(moving.length).toBeGreaterThan(0);
      await victim.kill();

      // fair-share balancing may also move the survivors' own sets between them (a set can show no
      // holder for a moment then): wait until every shard is shown on a live survivor
      const after = await waitFor(
        'the page to show every shard, the victim ones included, on the other nodes',
        async () => {
          const shown = await holders();
          const all = Object.keys(shown).length === SHARDS.length && Object.values(shown).every((holder) => ['w2', 'w3'].includes(holder));
          return all ? shown : undefined;
        },
        30_000,
      );
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      for (const shard of moving) expect(['w2', 'w3']).toContain(after[shard]);
      // the victim's sessions leave pg_stat_activity once the server noticed the dead client (a waiting
      // member watcher checks every second): the page shows it not live after that
      const victimRow = await waitFor(
        'the page to show the victim not live',
        async () => {
          const cell = await page.$eval(`#nodes tr[data-node="${victim.nodeId}"] .live`, (element) => element.textContent);
          return cell === 'no' ? cell : undefined;
        },
        10_000,
      );
      expect(victimRow).toBe('no');
      const timeline = await page.$$eval('#timeline li', (items) => items.map((item) => item.textContent ?? ''));
      // the timeline names the shards (not their lock ids) and says why they moved: their holder was killed
      for (const shard of moving) {
        const name = shard.replace(/:All$/, '');
        expect(
          timeline.some((line) => line.includes(`${name}: ${victim.nodeId} -> `) && line.endsWith('(killed)')),
          timeline.join('\n'),
        ).toBe(true);
      }
      expect(ledger.maxConcurrency()).toBe(1);

      web.abort();
      expect(await served).toBe(0);
    }, 120_000);
  });
}
