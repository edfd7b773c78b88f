/**
 * The self-benchmark's WebGPU bound: a WebGPU part that never answers leaves the node on WASM with
 * WebGPU marked unavailable and the reason, instead of a node that never finishes benchmarking.
 */
import { describe, expect, it } from 'vitest';
import type { BenchmarkReport } from '../../../src/protocol/messages';
import type { RuntimeClient } from '../../../src/ui/runtime-client';
import { BenchmarkStalledError, benchmarkOrRestart, measuredWhileBusy, reusableBenchmark, runSelfBenchmark, timingNote } from '../../../src/ui/self-benchmark';

const COST = { flopsPerSecondByOpClass: { conv: 2e10, depthwise: 5e9, matmul: 3e10, elementwise: 1e9, memory: 1e9 }, fixedMsPerRun: 0.1 };
const never = new Promise<never>(() => {});

/** A worker whose WASM answers at once and whose WebGPU does what `gpu` says. */
function fakeRuntime(gpu: { benchmark: 'ok' | 'hang' | 'throw'; cost: 'ok' | 'hang' }, wasmShares?: { benchmark: number; cost: number; benchmarkThreads?: number }): { runtime: RuntimeClient; calls: string[] } {
  const calls: string[] = [];
  const share = (backend: string, of: 'benchmark' | 'cost') => (backend === 'wasm' && wasmShares ? (of === 'cost' ? { cpu: { free: wasmShares.cost >= 0.85, share: wasmShares.cost, waitedMs: 100, threads: 2 } } : { cpuShare: wasmShares.benchmark, cpuThreads: wasmShares.benchmarkThreads ?? 2 }) : {});
  const report = (backend: 'wasm' | 'webgpu'): BenchmarkReport => ({ model: 'paddle-cls', threads: 1, crossOriginIsolated: false, backends: [{ backend, available: true, medianMs: 3, runs: 10, flopsPerSecond: 1e10, ...share(backend, 'benchmark') }] });
  const api = {
    benchmark: async (request: { backends: readonly ('wasm' | 'webgpu')[] }) => {
      calls.push(`benchmark ${request.backends.join(',')}`);
      if (request.backends.includes('webgpu') && gpu.benchmark === 'hang') return never;
      if (request.backends.includes('webgpu') && gpu.benchmark === 'throw') throw new Error('device lost');
      return report(request.backends[0]!);
    },
    measureCost: async (request: { backends: readonly string[] }) => {
      calls.push(`cost ${request.backends.join(',')}`);
      if (request.backends.includes('webgpu') && gpu.cost === 'hang') return never;
      return { backends: [{ backend: request.backends[0], available: true, cost: COST, ...share(request.backends[0]!, 'cost') }] };
    },
  };
  return { runtime: { api, info: { threads: 1, crossOriginIsolated: false, webgpu: true }, terminate: () => {} } as unknown as RuntimeClient, calls };
}

describe('runSelfBenchmark', () => {
  it('a WebGPU benchmark that never answers: the node goes on with WASM and says why WebGPU is missing', async () => {
    const { runtime, calls } = fakeRuntime({ benchmark: 'hang', cost: 'ok' });
    const t0 = performance.now();
    const report = await runSelfBenchmark(runtime, { webgpu: true, webgpuTimeoutMs: 200 });
    expect(performance.now() - t0).toBeLessThan(5000);
    const [wasm, webgpu] = report.backends;
    expect(wasm).toMatchObject({ backend: 'wasm', available: true, medianMs: 3, cost: COST });
    expect(webgpu).toEqual({ backend: 'webgpu', available: false, error: 'the WebGPU benchmark did not finish within 0.2 s' });
    // WASM was timed and measured first and alone, and no cost measurement was asked of the WebGPU that hung.
    expect(calls).toEqual(['benchmark wasm', 'cost wasm', 'benchmark webgpu']);
  });

  it('a WebGPU call that hangs and holds the worker: the WASM figures are in before it starts, and the page hears each phase', async () => {
    const { runtime } = fakeRuntime({ benchmark: 'hang', cost: 'ok' });
    // A worker held by the hung call answers nothing after it.
    let held = false;
    const api = runtime.api as unknown as Record<'benchmark' | 'measureCost', (r: { backends: readonly string[] }) => Promise<unknown>>;
    for (const key of ['benchmark', 'measureCost'] as const) {
      const inner = api[key];
      api[key] = async (r) => {
        if (held) return never;
        if (r.backends.includes('webgpu')) held = true;
        return inner(r);
      };
    }
    const phases: string[] = [];
    const report = await runSelfBenchmark(runtime, { webgpu: true, webgpuTimeoutMs: 200, onPhase: (p) => phases.push(p) });
    expect(report.backends.map((b) => [b.backend, b.available, b.cost !== undefined])).toEqual([['wasm', true, true], ['webgpu', false, false]]);
    expect(phases).toEqual(['timing the bundled model on WASM', 'measuring operator costs on WASM', 'timing the bundled model on WebGPU']);
  });

  it('a WebGPU cost measurement that never answers: WebGPU keeps its benchmark figure, without a cost', async () => {
    const { runtime } = fakeRuntime({ benchmark: 'ok', cost: 'hang' });
    const report = await runSelfBenchmark(runtime, { webgpu: true, webgpuTimeoutMs: 200 });
    expect(report.backends.map((b) => [b.backend, b.available, b.cost !== undefined])).toEqual([['wasm', true, true], ['webgpu', true, false]]);
  });

  it('a WebGPU benchmark that throws: WebGPU unavailable with the error, WASM kept', async () => {
    const report = await runSelfBenchmark(fakeRuntime({ benchmark: 'throw', cost: 'ok' }).runtime, { webgpu: true, webgpuTimeoutMs: 200 });
    expect(report.backends.map((b) => [b.backend, b.available, b.error])).toEqual([['wasm', true, undefined], ['webgpu', false, 'the WebGPU benchmark failed: device lost']]);
  });

  it('both answer: both backends carry their benchmark and cost; without WebGPU only WASM is asked', async () => {
    const both = await runSelfBenchmark(fakeRuntime({ benchmark: 'ok', cost: 'ok' }).runtime, { webgpu: true, webgpuTimeoutMs: 200 });
    expect(both.backends.map((b) => [b.backend, b.available, b.cost?.fixedMsPerRun])).toEqual([['wasm', true, 0.1], ['webgpu', true, 0.1]]);
    const { runtime, calls } = fakeRuntime({ benchmark: 'ok', cost: 'ok' });
    const wasmOnly = await runSelfBenchmark(runtime, { webgpu: false });
    expect(wasmOnly.backends.map((b) => b.backend)).toEqual(['wasm']);
    expect(calls).toEqual(['benchmark wasm', 'cost wasm']);
  });

  it('reports the lower of the two WASM waits\' core shares, and a share under 85% as measured while busy', async () => {
    const quiet = await runSelfBenchmark(fakeRuntime({ benchmark: 'ok', cost: 'ok' }, { benchmark: 0.97, cost: 0.91 }).runtime, { webgpu: false });
    expect(quiet.backends[0]!.cpuShare).toBe(0.91);
    // Both waits checked 2 threads at once (src/cost/cpu-share.ts CoreSampler).
    expect(quiet.backends[0]!.cpuThreads).toBe(2);
    // A wait that could check only its own thread is what the report claims.
    const oneChecked = await runSelfBenchmark(fakeRuntime({ benchmark: 'ok', cost: 'ok' }, { benchmark: 0.97, cost: 0.91, benchmarkThreads: 1 }).runtime, { webgpu: false });
    expect(oneChecked.backends[0]!.cpuThreads).toBe(1);
    expect(measuredWhileBusy(quiet)).toBe(false);
    const busy = await runSelfBenchmark(fakeRuntime({ benchmark: 'ok', cost: 'ok' }, { benchmark: 0.95, cost: 0.55 }).runtime, { webgpu: false });
    expect(busy.backends[0]!.cpuShare).toBe(0.55);
    expect(measuredWhileBusy(busy)).toBe(true);
    // No wait reported (an older worker, or WebGPU only): nothing is claimed either way.
    const none = await runSelfBenchmark(fakeRuntime({ benchmark: 'ok', cost: 'ok' }).runtime, { webgpu: false });
    expect(none.backends[0]!.cpuShare).toBeUndefined();
    expect(measuredWhileBusy(none)).toBe(false);
  });
});

/** A worker whose WASM part stalls where `stall` says (or never), counting its terminations. */
function wasmWorker(stall: 'benchmark' | 'cost' | 'none', threads = 2): { runtime: RuntimeClient; terminated: () => number } {
  let terminated = 0;
  const api = {
    benchmark: async () => (stall === 'benchmark' ? never : { model: 'paddle-cls', threads, crossOriginIsolated: threads > 1, backends: [{ backend: 'wasm', available: true, medianMs: 3, runs: 10, flopsPerSecond: 1e10 }] }),
    measureCost: async () => (stall === 'cost' ? never : { backends: [{ backend: 'wasm', available: true, cost: COST }] }),
  };
  return { runtime: { api, info: { threads, crossOriginIsolated: threads > 1, webgpu: false }, terminate: () => void terminated++ } as unknown as RuntimeClient, terminated: () => terminated };
}

describe('reusableBenchmark (a report kept in the browser\'s profile, on the next visit)', () => {
  const cost = { flopsPerSecondByOpClass: { conv: 3e10, depthwise: 5e9, matmul: 4e10, elementwise: 3e9, memory: 1e9 }, fixedMsPerRun: 0.05 };
  const report = (threads: number, wasm: Partial<BenchmarkReport['backends'][number]>): BenchmarkReport => ({
    model: 'paddle-cls', threads, crossOriginIsolated: threads > 1,
    backends: [
      { backend: 'wasm', available: true, medianMs: 5, runs: 10, flopsPerSecond: 7e9, cost, cpuShare: 0.95, ...wasm },
      { backend: 'webgpu', available: false, error: 'no WebGPU adapter on this device' },
    ],
  });
  it('is reused at the same thread count when every WASM thread had a core while it timed', () => {
    expect(reusableBenchmark(report(2, { cpuThreads: 2 }), 2)).toBe(true);
    expect(reusableBenchmark(report(1, {}), 1)).toBe(true);
  });
  it('is measured again when kept from before the wait checked a core per thread, or at another thread count, or without per-class figures', () => {
    expect(reusableBenchmark(report(2, {}), 2)).toBe(false);
    expect(reusableBenchmark(report(2, { cpuThreads: 1 }), 2)).toBe(false);
    expect(reusableBenchmark(report(1, {}), 2)).toBe(false);
    expect(reusableBenchmark(report(2, { cpuThreads: 2, cost: undefined }), 2)).toBe(false);
  });
});

describe('timingNote (the coordinator\'s node table: how a node\'s figures were timed)', () => {
  const wasm = { backend: 'wasm' as const, available: true, medianMs: 5, runs: 10 };
  it('gives the share as a title, per thread with more than one, and marks a device that stayed busy as the node page does', () => {
    expect(timingNote({ ...wasm, cpuShare: 0.97, cpuThreads: 2 })).toEqual({ busy: false, title: "timed when each of the worker's 2 threads had at least 97% of a core" });
    expect(timingNote({ ...wasm, cpuShare: 0.55 })).toEqual({ busy: true, title: 'timed while the device stayed busy (the worker had 55% of a core): its figures may read slow' });
    const busyReport: BenchmarkReport = { model: 'm', threads: 1, crossOriginIsolated: false, backends: [{ ...wasm, cpuShare: 0.55 }] };
    expect(measuredWhileBusy(busyReport)).toBe(true);
  });
  it('says nothing when the report carries no share (WebGPU, or an older node)', () => {
    expect(timingNote(wasm)).toBeUndefined();
  });
});

describe('a WASM part that stalls (issue 11: a node page once stayed 420 s in "timing the bundled model on WASM")', () => {
  it('runSelfBenchmark rejects with BenchmarkStalledError naming the part, at its bound, whether the timing or the cost measurement stalls', async () => {
    for (const [stall, part] of [['benchmark', 'timing the bundled model on WASM'], ['cost', 'measuring operator costs on WASM']] as const) {
      const t0 = performance.now();
      const error = await runSelfBenchmark(wasmWorker(stall).runtime, { webgpu: false, wasmTimeoutMs: 150 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BenchmarkStalledError);
      expect((error as BenchmarkStalledError).message).toBe(`${part} did not finish within 150 ms`);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
      expect(performance.now() - t0).toBeLessThan(5000);
    }
  });

  it('benchmarkOrRestart: a stalled worker is terminated and the benchmark runs once more in a fresh one on 1 thread, which the node keeps', async () => {
    const first = wasmWorker('benchmark');
    const fresh = wasmWorker('none', 1);
    let started = 0;
    const retries: string[] = [];
    const outcome = await benchmarkOrRestart(first.runtime, (r) => runSelfBenchmark(r, { webgpu: false, wasmTimeoutMs: 100 }), async () => (started++, fresh.runtime), (m) => retries.push(m));
    expect(first.terminated()).toBe(1);
    expect(started).toBe(1);
    expect(outcome.runtime).toBe(fresh.runtime);
    expect(outcome.report.threads).toBe(1);
    expect(outcome.report.backends[0]).toMatchObject({ backend: 'wasm', available: true, cost: COST });
    expect(retries).toEqual(["timing the bundled model on WASM did not finish within 100 ms: restarted this device's runtime worker on 1 thread and benchmarking again"]);
    expect(fresh.terminated()).toBe(0);
  });

  it('benchmarkOrRestart: no restart when the first answers or fails otherwise; a second stall rejects naming both attempts', async () => {
    const ok = wasmWorker('none');
    let started = 0;
    const start = async () => (started++, wasmWorker('cost', 1).runtime);
    const outcome = await benchmarkOrRestart(ok.runtime, (r) => runSelfBenchmark(r, { webgpu: false, wasmTimeoutMs: 100 }), start);
    expect([outcome.runtime, ok.terminated(), started]).toEqual([ok.runtime, 0, 0]);
    await expect(benchmarkOrRestart(ok.runtime, async () => Promise.reject(new Error('model fetch failed: 404')), start)).rejects.toThrow('model fetch failed: 404');
    expect(started).toBe(0);
    await expect(benchmarkOrRestart(wasmWorker('benchmark').runtime, (r) => runSelfBenchmark(r, { webgpu: false, wasmTimeoutMs: 100 }), start)).rejects.toThrow(
      'measuring operator costs on WASM did not finish within 100 ms, twice (the second time in a fresh runtime worker on 1 thread): reload this page to try again',
    );
    expect(started).toBe(1);
  });
});
