/**
 * Tensor-frame throughput between two headless Chromium pages over a real WebRTC data channel
 * (our PeerJS transport, our signaling server), against raw 256 KiB ArrayBuffer sends of the same
 * bytes on the same channel in the same run (issue 6: goal >= 0.8x). Both paths use the same
 * backpressure (sendChunks), so the ratio measures what framing costs: encoding (one copy),
 * 36-byte chunk headers and reassembly (one copy) on top of the raw channel. MB = 10^6 bytes.
 *
 * WebRTC needs a network: the bench runs inside the isolated namespace (scripts/isolated.sh). When
 * not already inside one (CARBONEDGE_ISOLATED != 1) it re-runs itself through that script.
 */
import path from 'node:path';
import { build } from 'vite';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, watchPageErrors } from '../test/helpers/browser';
import { ROOT, startAppServer } from '../test/helpers/app-server';
import type { RunningServer } from '../signaling/server';
import type { TransferResult } from './frames-page';
import { runBenchIsolated } from './isolated';

/** Bytes per timed transfer (MESH_BENCH_MIB overrides, for a quick look). */
const TRANSFER_BYTES = Number(process.env.MESH_BENCH_MIB ?? 32) * 1024 * 1024;
/** Size of each tensor in the frames path (a 1x1M float32 activation). */
const TENSOR_BYTES = 4 * 1024 * 1024;
/** Backpressure marks for both paths (MESH_BENCH_WATER_MIB=HIGH,LOW overrides the defaults). */
const WATER = process.env.MESH_BENCH_WATER_MIB?.split(',').map((v) => Number(v) * 1024 * 1024);
const SEND = WATER ? { highWaterBytes: WATER[0], lowWaterBytes: WATER[1] ?? WATER[0]! / 4 } : {};
/** Timed rounds per path (alternating raw and frames); the median is reported. */
const ROUNDS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const mbPerSecond = (r: TransferResult) => r.bytes / 1e6 / (r.elapsedMs / 1000);


async function openBenchPage(browser: Browser, server: RunningServer, errors: string[]): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const pageErrors = watchPageErrors(page);
  page.on('close', () => errors.push(...pageErrors));
  await page.goto(`${server.localUrl}/bench/frames.html`);
  await page.waitForFunction(() => 'carbonedgeFrameBench' in window, undefined, { timeout: 30_000 });
  return page;
}

/** Run the bench and print its figures. */
export async function run(out: (line: string) => void): Promise<void> {
  if (process.env.CARBONEDGE_ISOLATED !== '1') return runBenchIsolated('mesh', out);
  // The bench page is built only on request, into its own folder (never into the app's dist/).
  process.env.CARBONEDGE_BENCH_PAGES = '1';
  try {
    await build({ root: ROOT, logLevel: 'warn' });
  } finally {
    delete process.env.CARBONEDGE_BENCH_PAGES;
  }
  const server = await startAppServer(path.join(ROOT, '.cache/bench-dist'));
  const browser = await launchBrowser();
  const errors: string[] = [];
  try {
    const receiver = await openBenchPage(browser, server, errors);
    const sender = await openBenchPage(browser, server, errors);
    const receiverId = `ce-bench-${Date.now().toString(36)}`;
    await receiver.evaluate((id) => window.carbonedgeFrameBench.listen(id), receiverId);
    await sender.evaluate((id) => window.carbonedgeFrameBench.connect(id), receiverId);
    const raw = (bytes: number) => sender.evaluate(([b, o]) => window.carbonedgeFrameBench.runRaw(b, o), [bytes, SEND] as const);
    const frames = (bytes: number) =>
      sender.evaluate(([b, t, o]) => window.carbonedgeFrameBench.runFrames(b, t, o), [bytes, TENSOR_BYTES, SEND] as const);

    // Warm up both paths (JIT, SCTP congestion window) before timing.
    await raw(Math.min(TRANSFER_BYTES, 16 * 1024 * 1024));
    await frames(Math.min(TRANSFER_BYTES, 16 * 1024 * 1024));
    const rawRuns: TransferResult[] = [];
    const frameRuns: TransferResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rawRuns.push(await raw(TRANSFER_BYTES));
      frameRuns.push(await frames(TRANSFER_BYTES));
    }
    const rawMb = median(rawRuns.map(mbPerSecond));
    const frameMb = median(frameRuns.map(mbPerSecond));
    const rejected = frameRuns.reduce((sum, r) => sum + r.rejected, 0);
    const intact = frameRuns.every((r) => r.intact && r.bytes === TRANSFER_BYTES);
    out(`transfer: ${TRANSFER_BYTES / 1024 / 1024} MiB per run, median of ${ROUNDS} runs each, same data channel, same run`);
    out(`raw ArrayBuffer (256 KiB pieces):           ${rawMb.toFixed(1)} MB/s  (runs: ${rawRuns.map((r) => mbPerSecond(r).toFixed(0)).join(', ')})`);
    out(`tensor frames (${TENSOR_BYTES / 1024 / 1024} MiB float32 tensors): ${frameMb.toFixed(1)} MB/s  (runs: ${frameRuns.map((r) => mbPerSecond(r).toFixed(0)).join(', ')})`);
    out(`frames / raw: ${(frameMb / rawMb).toFixed(2)}x  (goal >= 0.8x)`);
    out(`frames intact: ${intact ? 'yes' : 'NO'}, chunks rejected: ${rejected}`);
    if (errors.length > 0) out(`page errors: ${errors.join(' | ')}`);
  } finally {
    await browser.close();
    await server.stop();
  }
}
