/**
 * Whether a long run keeps its pace (the Run panel's work per result must not grow with the run):
 * headless Chromium, the CarbonEdge server, a coordinator page and one lab node page (1 WASM thread,
 * slowdown 1) opened at the join URL; the Run panel runs `LONG_RUN_BENCH_INFERENCES` (3,000)
 * inferences of `LONG_RUN_BENCH_MODEL` (paddle-cls: the catalogue's smallest model, so results come
 * fast and the ledger grows fast) as fast as they go, with no audits. Sampled every half second from
 * outside the page: results so far and the coordinator page's long-task time (PerformanceObserver
 * 'longtask': main thread stretches over 50 ms). Prints results per second and long-task ms per
 * second over the run's first and last thirds, and their ratios (goal: last / first results per
 * second >= 0.8), and how much the coordinator's JS heap grew over the run (after a full GC).
 * Prints its figures; never asserts. Runs inside the isolated network namespace (as join.bench.ts).
 */
import type { Page } from 'playwright-core';
import { runBenchIsolated, withBenchRoom } from './isolated';

const N = Number(process.env.LONG_RUN_BENCH_INFERENCES ?? 3000);
const MODEL = process.env.LONG_RUN_BENCH_MODEL ?? 'paddle-cls';

declare global {
  interface Window {
    /** Long-task ms of this page since the bench started observing. */
    longRunBenchTaskMs?: number;
  }
}

interface Sample {
  readonly atMs: number;
  readonly results: number;
  readonly longTaskMs: number;
}

async function sample(page: Page, t0: number): Promise<Sample & { readonly status: string }> {
  const s = await page.evaluate(() => ({ results: window.carbonedgeRun?.outcomes.length ?? 0, longTaskMs: window.longRunBenchTaskMs ?? 0, status: window.carbonedgeRun?.status ?? '' }));
  return { ...s, atMs: Date.now() - t0 };
}

/** Results per second and long-task ms per second between the samples where results first reach `from` and `to`. */
function stretch(samples: readonly Sample[], from: number, to: number) {
  const a = samples.find((s) => s.results >= from)!;
  const b = samples.find((s) => s.results >= to) ?? samples.at(-1)!;
  const seconds = (b.atMs - a.atMs) / 1000;
  return { results: b.results - a.results, seconds, perSecond: (b.results - a.results) / seconds, longTaskMsPerSecond: (b.longTaskMs - a.longTaskMs) / seconds };
}

/** Run the bench and print its figures. */
export async function run(out: (line: string) => void): Promise<void> {
  if (process.env.CARBONEDGE_ISOLATED !== '1') return runBenchIsolated('long-run', out);
  await withBenchRoom('long-run-bench', async ({ open, room, nodeUrl }) => {
    const { coordinator, joinUrl } = await room();
    await open(nodeUrl(joinUrl, 'Long-1'));
    await coordinator.locator('ce-node-table tr[data-state="ready"]').first().waitFor({ timeout: 120_000 });
    await coordinator.evaluate(() => {
      window.longRunBenchTaskMs = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.longRunBenchTaskMs = (window.longRunBenchTaskMs ?? 0) + entry.duration;
      }).observe({ type: 'longtask' });
    });
    const form = async (id: string, value: string) => {
      await coordinator.getByTestId(id).fill(value);
      await coordinator.getByTestId(id).dispatchEvent('change');
    };
    // The coordinator's JS heap after a full garbage collection, bytes.
    const cdp = await coordinator.context().newCDPSession(coordinator);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    const heapBefore = await heap();
    await coordinator.getByTestId('run-model').selectOption(MODEL);
    await coordinator.getByTestId('run-mode').selectOption('performance');
    await form('run-count', String(N));
    await form('run-audit', '0');
    const t0 = Date.now();
    await coordinator.getByTestId('run-start').click();
    const samples: Sample[] = [];
    for (;;) {
      const s = await sample(coordinator, t0);
      samples.push(s);
      if (/^(done|error)/.test(s.status)) {
        out(`${N} inferences of ${MODEL} on one node page: ${s.status} after ${(s.atMs / 1000).toFixed(1)} s`);
        break;
      }
      if (s.atMs > 30 * 60_000) {
        out(`stopped waiting after 30 minutes at ${s.results} results (status ${s.status})`);
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const done = samples.at(-1)!.results;
    if (done < 30) return out(`too few results to judge (${done})`);
    // From the first result on (deployment excluded): the first and the last third of the results.
    const first = stretch(samples, 1, Math.round(done / 3));
    const last = stretch(samples, Math.round((2 * done) / 3), done);
    const line = (name: string, s: ReturnType<typeof stretch>) => `${name}: ${s.results} results in ${s.seconds.toFixed(1)} s, ${s.perSecond.toFixed(1)} results/s, coordinator long tasks ${s.longTaskMsPerSecond.toFixed(0)} ms per s`;
    out(line('first third', first));
    out(line('last third', last));
    const grown = (await heap()) - heapBefore;
    out(`coordinator JS heap after the run (after a full GC): ${(grown / 2 ** 20).toFixed(1)} MiB more than before it, ${(grown / done / 1024).toFixed(2)} KiB per result`);
    out(`last / first: results per second ${(last.perSecond / first.perSecond).toFixed(2)} (goal >= 0.8), long-task ms per second ${first.longTaskMsPerSecond > 0 ? (last.longTaskMsPerSecond / first.longTaskMsPerSecond).toFixed(2) : `${last.longTaskMsPerSecond.toFixed(0)} against 0`}`);
  });
}
