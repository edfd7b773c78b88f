/**
 * The Run panel's predictions next to what its runs measured (issue 11: "every prediction the
 * planner makes is shown next to what was then measured"), the way a user reaches them: a
 * coordinator page and 3 node pages opened at the join URL as the coordinator shows it (not lab
 * pages: the server tells the coordinator they share its machine, signaling/hosts.ts), then
 * `PANEL_BENCH_RUNS` (3) runs of mobilenetv2 in 3 slices, `PANEL_BENCH_N` (60) inferences each,
 * 3 in flight, started from the Run panel's form one after another. After each run it reads the
 * panel's two plan-check tables as they are shown (`plan-check`, `plan-check-calibrated`):
 * predicted and measured latency and throughput, and the error, and what the plan was made with:
 * from run 2 on, the run before's measurements (src/swarm/run-learning.ts); and the per-slice table's
 * check after 10 results (src/ui/plan-vs-run.ts SliceCheck). Prints; never asserts.
 *
 * On a set of pages the third deployment is slow while Chromium compiles (docs/decisions.md,
 * "Known: a node page's third deployment..."): run 3 shows it.
 */
import type { Page } from 'playwright-core';
import { median } from '../src/cost/robust-stats';
import { runBenchIsolated, withBenchRoom } from './isolated';

const RUNS = Number(process.env.PANEL_BENCH_RUNS ?? 3);
const N = Number(process.env.PANEL_BENCH_N ?? 60);
/** Catalogue model (PANEL_BENCH_MODEL overrides) and slices (PANEL_BENCH_STAGES: 0 = the planner decides). */
const MODEL = process.env.PANEL_BENCH_MODEL ?? 'mobilenetv2';
const STAGES = process.env.PANEL_BENCH_STAGES ?? '3';
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** Predicted and measured of one row of a plan-check table, as the page shows them. */
async function row(page: Page, table: string, key: string): Promise<{ predicted: number; measured: number } | undefined> {
  const tr = page.locator(`[data-testid="${table}"] tr[data-key="${key}"]`);
  if ((await tr.count()) === 0) return undefined;
  const predicted = Number(await tr.getAttribute('data-predicted'));
  const measured = Number(await tr.getAttribute('data-measured'));
  return predicted > 0 && measured > 0 ? { predicted, measured } : undefined;
}

/** Run the bench and print its figures. */
export async function run(out: (line: string) => void): Promise<void> {
  if (process.env.CARBONEDGE_ISOLATED !== '1') return runBenchIsolated('panel', out);
  await withBenchRoom('panel-bench', async ({ open, room }) => {
    const { coordinator } = await room();
    // The join URL exactly as the page shows it (in the test namespace: the LAN address, plain http).
    const shown = await coordinator.getByTestId('join-url').getAttribute('href', { timeout: 30_000 });
    for (let i = 0; i < 3; i++) await open(shown!);
    await coordinator.locator('ce-node-table tr[data-state="ready"]').nth(2).waitFor({ timeout: 180_000 });
    const machines = await coordinator.locator('ce-node-table td.device').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-machine') || 'a processor of its own'));
    out(`${MODEL}, ${STAGES === '0' ? 'the planner decides the slices' : `${STAGES} slice(s)`} on 3 node pages at the join URL (${shown}), ${N} inferences a run, 3 in flight; node table: ${machines.join(', ')}`);
    const errors: Record<string, number[]> = { latency: [], throughput: [] };
    const planErrors: Record<string, number[]> = { latency: [], throughput: [] };
    /** Per run, the median over slices of |error| of the calibrated check per slice. */
    const sliceErrors: number[] = [];
    /** Per run, |error| of the slices together (one pipeline only). */
    const togetherErrors: number[] = [];
    for (let r = 1; r <= RUNS; r++) {
      const before = await coordinator.evaluate(() => window.carbonedgeRun?.number ?? 0);
      await coordinator.getByTestId('run-model').selectOption(MODEL);
      await coordinator.getByTestId('run-audit').fill('0');
      await coordinator.getByTestId('run-audit').dispatchEvent('change');
      await coordinator.getByTestId('run-stages').selectOption(STAGES);
      await coordinator.getByTestId('run-count').fill(String(N));
      await coordinator.getByTestId('run-count').dispatchEvent('change');
      const t0 = Date.now();
      await coordinator.getByTestId('run-start').click();
      await coordinator.waitForFunction((n) => (window.carbonedgeRun?.number ?? 0) > n && /^(done|error)/.test(window.carbonedgeRun?.status ?? ''), before, { timeout: 600_000, polling: 250 });
      const status = await coordinator.evaluate(() => window.carbonedgeRun!.status);
      // What the plan was made with, as the page says it (src/swarm/run-learning.ts).
      const basis = await coordinator.getByTestId('plan-basis').getAttribute('data-basis').catch(() => null);
      // The placement run (slices by graph positions, on which page), to tell a run that moved its slices.
      const placed = await coordinator.evaluate(() => {
        const p = window.carbonedgeRun?.placement;
        return p ? p.pipelines.map((pipe) => pipe.slices.map((s) => `[${s.sliceRange[0]},${s.sliceRange[1]})@${s.nodeId.slice(0, 4)}`).join(' ')).join(' | ') : '';
      });
      const parts: string[] = [];
      for (const [table, label] of [['plan-check', 'plan'], ['plan-check-calibrated', 'calibrated after 10']] as const) {
        for (const key of ['latency', 'throughput']) {
          const x = await row(coordinator, table, key);
          if (!x) continue;
          const error = x.predicted / x.measured - 1;
          if (table === 'plan-check-calibrated') errors[key]!.push(Math.abs(error));
          if (table === 'plan-check' && r > 1) planErrors[key]!.push(Math.abs(error));
          parts.push(`${label} ${key} ${x.predicted.toPrecision(3)} vs ${x.measured.toPrecision(3)} (${pct(error)})`);
        }
      }
      // Where the plan's latency comes from, next to what each slice measured (the prediction table's rows).
      const shown = await coordinator.evaluate(() => ({ placement: window.carbonedgeRun!.placement, predictions: window.carbonedgeRun!.predictions ?? [] }));
      const f = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
      const pipe = shown.placement?.pipelines[0];
      const slices = (pipe?.slices ?? []).map((s) => {
        const row = shown.predictions.find((x) => x.nodeId === s.nodeId && x.sliceKey.endsWith(`|${s.sliceRange[0]}|${s.sliceRange[1]}`));
        return `[${s.sliceRange[0]},${s.sliceRange[1]}) planned ${f(s.computeMs)} ms, measured wall ${f(row?.measuredWallMs)} busy ${f(row?.measuredBusyMs)}`;
      });
      const breakdown = `plan latency ${f(shown.placement?.prediction.latencyMs)} ms at 1 in flight, ${f(shown.placement?.prediction.throughputPerSecond)}/s; slices ${slices.join('; ')}; hops ${(pipe?.hops ?? []).map((h) => `${h.cutPosition}: ${h.bytes} B ${f(h.transferMs)} ms`).join(', ')}`;
      // Each slice's prediction at the calibrated check against the median wall of its executions
      // after it, as the prediction table shows them (src/ui/plan-vs-run.ts SliceCheck).
      const sliceChecks = (await coordinator.getByTestId('prediction-table').locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-key') ?? '', r.getAttribute('data-error-after-check') ?? '', r.getAttribute('data-executions-since-check') ?? ''] as const)).catch(() => []))
        .filter(([, error]) => error !== '')
        .map(([key, error, since]) => ({ slice: key.split('|').slice(2).join(','), error: Number(error), since: Number(since) }));
      if (sliceChecks.length) sliceErrors.push(median(sliceChecks.map((c) => Math.abs(c.error))));
      const together = await coordinator.getByTestId('prediction-together').getAttribute('data-error-after-check', { timeout: 1000 }).catch(() => null);
      if (together) togetherErrors.push(Math.abs(Number(together)));
      out(`run ${r}: ${status} in ${((Date.now() - t0) / 1000).toFixed(1)} s on ${placed}; plan made with ${basis === 'learned' ? `run ${r - 1}'s measurements` : basis === 'own' ? "the run's own measurements" : "the nodes' benchmarks"}; ${parts.join('; ') || 'no plan check shown'}`);
      out(`  ${breakdown}`);
      if (sliceChecks.length) out(`  per slice after 10 results: ${sliceChecks.map((c) => `[${c.slice}) ${pct(c.error)} over ${c.since}`).join(', ')}; median |error| ${pct(median(sliceChecks.map((c) => Math.abs(c.error))))}${together ? `; the slices together ${pct(Number(together))}` : ''}`);
    }
    // What moving bytes to each page cost the machine, as the coordinator page timed it through the
    // server before run 1's plan (src/swarm/link-prober.ts; absent when not timed: plans then use the links' estimate).
    const hostCpu = (await coordinator.locator('ce-node-table td.link').evaluateAll((cells) => cells.map((c) => c.getAttribute('data-host-cpu-ms-per-mb') ?? ''))).filter((x) => x !== '');
    out(hostCpu.length ? `moving a MB to each page cost this machine ${hostCpu.map((x) => Number(x).toFixed(0)).join(', ')} ms of CPU, timed by the coordinator page (the plans charge the median)` : 'moving bytes between the pages: not timed by the coordinator page (plans use the links\' estimate)');
    if (sliceErrors.length) out(`per slice after 10 results: median |error| per run ${sliceErrors.map(pct).join(', ')}; within 10% in ${sliceErrors.filter((x) => x <= 0.1).length} of ${sliceErrors.length} runs`);
    if (togetherErrors.length) out(`the slices together after 10 results: |error| per run ${togetherErrors.map(pct).join(', ')}; within 10% in ${togetherErrors.filter((x) => x <= 0.1).length} of ${togetherErrors.length} runs`);
    for (const key of ['latency', 'throughput']) {
      const e = errors[key]!;
      if (e.length) out(`calibrated ${key}: median |error| ${pct(median(e))}, within 15% in ${e.filter((x) => x <= 0.15).length} of ${e.length} runs (latency in ms, throughput in inferences/s, predicted / measured - 1)`);
      const p = planErrors[key]!;
      if (p.length) out(`plan ${key} of runs 2-${RUNS} (made with the run before's measurements): median |error| ${pct(median(p))}, within 15% in ${p.filter((x) => x <= 0.15).length} of ${p.length}`);
    }
  }, { host: '0.0.0.0' });
}
