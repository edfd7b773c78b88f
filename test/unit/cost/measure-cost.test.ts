import { describe, expect, it } from 'vitest';
import { CostInputError } from '../../../src/cost/errors';
import { costFromTimings, measureBackendCost, type ProbeSession } from '../../../src/cost/measure-cost';
import { OP_CLASSES, type OpClass } from '../../../src/plan/plan-types';
import { costProbes, type CostProbe } from '../../../src/zoo/cost-probes';

/** A node whose true cost is known: fixed ms per run and FLOP/s per class, on a fake clock. */
const TRUE_FIXED_MS = 0.2;
const TRUE_RATES: Record<OpClass, number> = { conv: 12e9, depthwise: 3e9, matmul: 18e9, elementwise: 1e9, memory: 1.5e9 };

interface FakeNode {
  factory(bytes: Uint8Array): Promise<ProbeSession>;
  now(): number;
  runs: number;
}

/**
 * Sessions advance a fake clock by the true time of their probe; the first `coldRuns` runs are 8x
 * slower (cold WASM), and `spike(run)` adds load to chosen runs.
 */
function fakeNode(probes: readonly CostProbe[], coldRuns: number, spike: (run: number) => number = () => 0): FakeNode {
  let clock = 0;
  const node: FakeNode = {
    runs: 0,
    now: () => clock,
    async factory(bytes) {
      const probe = probes.find((p) => p.bytes === bytes)!;
      const trueMs = probe.kind === 'fixed' ? TRUE_FIXED_MS : TRUE_FIXED_MS + (1000 * probe.flops) / TRUE_RATES[probe.kind];
      return {
        async run() {
          const cold = node.runs < coldRuns ? 8 : 1;
          clock += trueMs * cold + spike(node.runs);
          node.runs++;
        },
        async release() {},
      };
    },
  };
  return node;
}

describe('measureBackendCost', () => {
  const probes = costProbes();

  it('recovers the fixed cost and every class rate of a node, after warm-up, despite cold runs and load spikes', async () => {
    // 30 cold runs (5 rounds) and a 25 ms spike on every 7th run.
    const node = fakeNode(probes, 30, (run) => (run % 7 === 3 ? 25 : 0));
    const m = await measureBackendCost((b) => node.factory(b), { probes, now: node.now });
    expect(m.cost.label).toBe('measured');
    expect(m.cost.fixedMsPerRun).toBeCloseTo(TRUE_FIXED_MS, 6);
    for (const c of OP_CLASSES) expect(m.cost.flopsPerSecondByOpClass[c] / TRUE_RATES[c], c).toBeCloseTo(1, 6);
    expect(m.warmupRounds).toBeGreaterThanOrEqual(5);
    expect(m.probes.reduce((a, p) => a + p.discarded, 0)).toBeGreaterThan(0);
  });

  it('keeps warming up until the warm-up time is spent, so a long cold start is not measured', async () => {
    // 120 cold runs = 20 rounds: more than the minimum rounds, fewer than warmupMs allows.
    const node = fakeNode(probes, 120);
    const m = await measureBackendCost((b) => node.factory(b), { probes, now: node.now, warmupMs: 5000, maxWarmupMs: 10_000 });
    expect(m.warmupMs).toBeGreaterThanOrEqual(5000);
    expect(m.cost.flopsPerSecondByOpClass.conv / TRUE_RATES.conv).toBeCloseTo(1, 6);
  });

  it('a node slowed s times measures rates s times lower and a fixed cost s times higher, and idles its duty cycle', async () => {
    const node = fakeNode(probes, 0);
    const paused: number[] = [];
    const m = await measureBackendCost((b) => node.factory(b), {
      probes, now: node.now, slowdown: 4, pause: async (busy) => { paused.push(busy); },
    });
    expect(m.cost.fixedMsPerRun).toBeCloseTo(4 * TRUE_FIXED_MS, 6);
    for (const c of OP_CLASSES) expect(m.cost.flopsPerSecondByOpClass[c] / (TRUE_RATES[c] / 4), c).toBeCloseTo(1, 6);
    expect(paused).toHaveLength(node.runs);
    expect(Math.min(...paused)).toBeCloseTo(TRUE_FIXED_MS, 6);
  });

  it('adds rounds while the samples are spread, up to maxRounds', async () => {
    const noisy = fakeNode(probes, 0, (run) => (run % 2) * 0.5 * (1 + (run % 5)));
    const m = await measureBackendCost((b) => noisy.factory(b), { probes, now: noisy.now, rounds: 5, maxRounds: 12, targetSpread: 0.001 });
    expect(m.rounds).toBe(12);
    const quiet = fakeNode(probes, 0);
    expect((await measureBackendCost((b) => quiet.factory(b), { probes, now: quiet.now, rounds: 5, maxRounds: 12 })).rounds).toBe(5);
  });

  it('takes its figures from the quietest stretch of rounds, so load while the node joins does not stick', async () => {
    // Warm-up is one round (6 runs); then 14 of the 25 timed rounds carry +10 ms per run of load.
    const loaded = (run: number) => (run >= 6 && run < 6 + 14 * 6 ? 10 : 0);
    const options = { probes, warmupMs: 1, minWarmupRounds: 1, rounds: 25, maxRounds: 25 };
    const node = fakeNode(probes, 0, loaded);
    const m = await measureBackendCost((b) => node.factory(b), { ...options, now: node.now });
    expect(m.rounds).toBe(25);
    expect(m.cost.fixedMsPerRun).toBeCloseTo(TRUE_FIXED_MS, 6);
    for (const c of OP_CLASSES) expect(m.cost.flopsPerSecondByOpClass[c] / TRUE_RATES[c], c).toBeCloseTo(1, 6);
    // Without the quiet window (one window = every round) the median is a loaded round.
    const again = fakeNode(probes, 0, loaded);
    const all = await measureBackendCost((b) => again.factory(b), { ...options, now: again.now, quietWindow: 25 });
    expect(all.cost.fixedMsPerRun).toBeGreaterThan(5);
  });

  it('with waitForCpu, times its rounds only once the thread has a core', async () => {
    // A fresh page's compile threads: until the clock passes 2 s every run takes twice as long, and
    // the thread gets half a core. Warm-up alone (600 ms) ends long before that.
    let clock = 0, runs = 0;
    const contended = () => clock < 2000;
    const factory = async (bytes: Uint8Array): Promise<ProbeSession> => {
      const probe = probes.find((p) => p.bytes === bytes)!;
      const trueMs = probe.kind === 'fixed' ? TRUE_FIXED_MS : TRUE_FIXED_MS + (1000 * probe.flops) / TRUE_RATES[probe.kind];
      return { async run() { clock += trueMs * (contended() ? 2 : 1); runs++; }, async release() {} };
    };
    const sample = () => { clock += 100; return contended() ? 0.5 : 1; };
    const m = await measureBackendCost(factory, { probes, now: () => clock, rounds: 5, maxRounds: 5, waitForCpu: { sample, now: () => clock, sleep: async (ms) => { clock += ms; } } });
    expect(m.cpu).toMatchObject({ free: true, share: 1 });
    expect(m.cpu!.waitedMs).toBeGreaterThan(1000);
    for (const c of OP_CLASSES) expect(m.cost.flopsPerSecondByOpClass[c] / TRUE_RATES[c], c).toBeCloseTo(1, 6);
    // The same node measured without the wait: every rate half what it is.
    clock = 0;
    const hasty = await measureBackendCost(factory, { probes, now: () => clock, rounds: 5, maxRounds: 5 });
    expect(hasty.cpu).toBeUndefined();
    for (const c of OP_CLASSES) expect(hasty.cost.flopsPerSecondByOpClass[c] / TRUE_RATES[c], c).toBeLessThan(0.6);
    expect(runs).toBeGreaterThan(0);
  });

  it('stops adding rounds when the time budget is spent, after 3 rounds at least', async () => {
    const node = fakeNode(probes, 0);
    // One round of the suite takes ~18.5 ms on this fake node: a 20 ms budget stops at the minimum.
    const m = await measureBackendCost((b) => node.factory(b), { probes, now: node.now, budgetMs: 20 });
    expect(m.rounds).toBe(3);
    const tiny = await measureBackendCost((b) => node.factory(b), { probes, now: node.now, budgetMs: 0.001 });
    expect(tiny.rounds).toBe(3);
    await expect(measureBackendCost((b) => node.factory(b), { probes, budgetMs: 0 })).rejects.toThrow(/budgetMs must be a finite number > 0, got 0/);
  });

  it('rejects bad options and incomplete suites with the numbers', async () => {
    const node = fakeNode(probes, 0);
    const f = (b: Uint8Array) => node.factory(b);
    await expect(measureBackendCost(f, { probes, slowdown: 0.5 })).rejects.toThrow(/slowdown must be a finite number >= 1, got 0.5/);
    await expect(measureBackendCost(f, { probes, rounds: 10, maxRounds: 5 })).rejects.toThrow(/maxRounds \(5\) must be >= rounds \(10\)/);
    await expect(measureBackendCost(f, { probes, rounds: 0 })).rejects.toThrow(CostInputError);
    await expect(measureBackendCost(f, { probes: probes.filter((p) => p.kind !== 'depthwise') })).rejects.toThrow(/no "depthwise" probe/);
  });

  it('releases every session even when a backend fails to open one', async () => {
    let released = 0, opened = 0;
    const factory = async (): Promise<ProbeSession> => {
      if (++opened === 3) throw new Error('no WebGPU adapter');
      return { run: async () => {}, release: async () => { released++; } };
    };
    await expect(measureBackendCost(factory, { probes })).rejects.toThrow(/no WebGPU adapter/);
    expect(released).toBe(2);
  });
});

describe('costFromTimings', () => {
  it('rate = FLOPs / (median - fixed); the net time never drops below 5% of the median', () => {
    const timings = [
      { kind: 'fixed' as const, flops: 1, medianMs: 1 },
      { kind: 'conv' as const, flops: 1e7, medianMs: 2 },
      { kind: 'depthwise' as const, flops: 1e6, medianMs: 1.01 },
      { kind: 'matmul' as const, flops: 1e7, medianMs: 1.5 },
      { kind: 'elementwise' as const, flops: 1e6, medianMs: 3 },
      { kind: 'memory' as const, flops: 1e6, medianMs: 3 },
    ];
    const cost = costFromTimings(timings);
    expect(cost.fixedMsPerRun).toBe(1);
    expect(cost.flopsPerSecondByOpClass.conv).toBeCloseTo(1e10, 0);
    expect(cost.flopsPerSecondByOpClass.matmul).toBeCloseTo(2e10, 0);
    expect(cost.flopsPerSecondByOpClass.depthwise).toBeCloseTo(1e6 / (0.05 * 1.01e-3), 0);
    expect(() => costFromTimings(timings.filter((t) => t.kind !== 'memory'))).toThrow(/no timing of the memory probe/);
    expect(() => costFromTimings(timings.map((t) => (t.kind === 'conv' ? { ...t, medianMs: Number.NaN } : t)))).toThrow(/conv probe median ms must be a finite number > 0, got NaN/);
  });
});
