/**
 * How far a node's figures at join are from the same page's figures later (issue 11, "benchmarks a
 * run can trust"): headless Chromium, the CarbonEdge server, a coordinator page and lab node pages
 * (1 WASM thread, slowdown 1) opened at the join URL.
 * - alone: one page; its benchmark at join, then `JOIN_BENCH_REMEASURE` (3) re-measurements back
 *   to back; per operator class and for the bundled model, join / median of the later ones;
 * - together: three pages opened at once (a classroom joining); how far apart their speeds are
 *   at join (the lab's figure: the geometric mean of the class rates, largest / smallest), and each page's
 *   `cpuShare` (how much of a core its worker had when it timed, src/cost/cpu-share.ts).
 * Prints its figures; never asserts. Runs inside the isolated network namespace (as swarm.bench.ts).
 */
import type { Page } from 'playwright-core';
import { median } from '../src/cost/robust-stats';
import type { LabNodeInfo } from '../src/lab/lab-api';
import { judgedSpeed } from '../src/lab/results';
import { OP_CLASSES } from '../src/plan/plan-types';
import { runBenchIsolated, withBenchRoom } from './isolated';

const REMEASURE = Number(process.env.JOIN_BENCH_REMEASURE ?? 3);
const gflops = (x: number) => (x / 1e9).toFixed(2);

async function nodesOf(coordinator: Page): Promise<LabNodeInfo[]> {
  return coordinator.evaluate(() => window.carbonedgeLab!.nodes());
}

/** Wait until every name is a ready, plannable node; returns them in that order. */
async function ready(coordinator: Page, names: readonly string[], timeoutMs = 120_000): Promise<LabNodeInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await nodesOf(coordinator);
    const found = names.map((name) => nodes.find((n) => n.name === name && n.state === 'ready' && n.planNode));
    if (found.every(Boolean)) return found as LabNodeInfo[];
    if (Date.now() > deadline) throw new Error(`nodes not ready within ${timeoutMs / 1000} s: ${names.join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The worker's share of a core as the node page shows it, or NaN. */
async function shownShare(page: Page): Promise<number> {
  const text = (await page.locator('ce-node-page').getByTestId('node-benchmark').textContent({ timeout: 30_000 })) ?? '';
  return Number(/the worker had (\d+)% of a core/.exec(text)?.[1]) / 100;
}

/** The speed the lab judges a node on: the geometric mean of its measured class rates. */
const modelSpeed = (node: LabNodeInfo) => judgedSpeed(node, 'cost model');

/** Run the bench and print its figures. */
export async function run(out: (line: string) => void): Promise<void> {
  if (process.env.CARBONEDGE_ISOLATED !== '1') return runBenchIsolated('join', out);
  await withBenchRoom('join-bench', async ({ open, room, nodeUrl }) => {
    // Alone.
    {
      const { coordinator, joinUrl } = await room();
      const t0 = Date.now();
      const page = await open(nodeUrl(joinUrl, 'Alone'));
      const [joined] = await ready(coordinator, ['Alone']);
      const joinSeconds = (Date.now() - t0) / 1000;
      const share = await shownShare(page);
      const later: LabNodeInfo[] = [];
      for (let i = 0; i < REMEASURE; i++) later.push(await coordinator.evaluate((id) => window.carbonedgeLab!.remeasure(id), joined!.nodeId));
      out(`alone: one node page joined in ${joinSeconds.toFixed(1)} s; its worker had ${Math.round(share * 100)}% of a core when it timed; then re-measured ${REMEASURE} times back to back`);
      const rate = (n: LabNodeInfo, c: (typeof OP_CLASSES)[number]) => n.planNode!.costByBackend!.wasm!.flopsPerSecondByOpClass[c];
      const rows = [
        ...OP_CLASSES.map((c) => ({ what: c, at: rate(joined!, c), then: later.map((n) => rate(n, c)) })),
        { what: 'cost model (geometric mean of the classes)', at: modelSpeed(joined!), then: later.map(modelSpeed) },
        { what: 'bundled model', at: joined!.flopsPerSecond, then: later.map((n) => n.flopsPerSecond) },
      ];
      for (const r of rows) out(`  ${r.what}: ${gflops(r.at)} GFLOP/s at join, later ${r.then.map(gflops).join(', ')}; join / later median ${(r.at / median(r.then)).toFixed(2)}`);
      out(`alone: join / later median over the classes: ${median(OP_CLASSES.map((c) => rows.find((r) => r.what === c)!).map((r) => r.at / median(r.then))).toFixed(2)} (goal 1.00 +- 0.10)`);
      await coordinator.context().close();
      await page.context().close();
    }

    // Together.
    {
      const { coordinator, joinUrl } = await room();
      const names = ['Class-1', 'Class-2', 'Class-3'];
      const t0 = Date.now();
      const pages = await Promise.all(names.map((name) => open(nodeUrl(joinUrl, name))));
      const nodes = await ready(coordinator, names);
      const seconds = (Date.now() - t0) / 1000;
      const shares = await Promise.all(pages.map(shownShare));
      const speeds = nodes.map(modelSpeed);
      out(`together: three node pages opened at once, all ready in ${seconds.toFixed(1)} s; speeds by the cost model ${speeds.map(gflops).join(', ')} GFLOP/s: ${(Math.max(...speeds) / Math.min(...speeds)).toFixed(2)}x apart (goal <= 1.35x); workers had ${shares.map((s) => `${Math.round(s * 100)}%`).join(', ')} of a core when they timed`);
    }
  });
}
