import { describe, expect, it } from 'vitest';
import { CarbonLedger } from '../../../src/carbon/ledger';
import type { PowerModel as LedgerPowerModel } from '../../../src/carbon/power-model';
import { bundledReading } from '../../../src/carbon/bundled-intensity';
import { evaluatePath } from '../../../src/plan/pipeline-evaluate';
import { exactSearch } from '../../../src/plan/pipeline-search';
import { plan, standaloneCapacityPerSecond } from '../../../src/plan/planner';
import { planPinned } from '../../../src/plan/pinned';
import type { PlanModel } from '../../../src/plan/plan-model';
import { OP_CLASSES, type BackendCost, type OpClass, type PlanInputs, type PlanNode } from '../../../src/plan/plan-types';
import { buildSearchContext, sliceKey } from '../../../src/plan/search-context';
import { syntheticMobileNetV2, syntheticPlanModel } from '../../../src/plan/synthetic-model';
import { bruteForceMinimum } from './brute-force';
import { chainModel, chainNode } from './helpers';

/** A 4-node model: two convolutions, then two matrix products. */
const mixed: PlanModel = {
  name: 'mixed',
  nodeCount: 4,
  nodeFlops: [2e8, 2e8, 1e8, 1e8],
  nodeWeightBytes: [0, 0, 0, 0],
  cutCrossingBytes: [1000, 1000, 1000, 1000, 100],
  nodeOpClass: ['conv', 'conv', 'matmul', 'matmul'],
};

function rates(overrides: Partial<Record<OpClass, number>>, base: number): Record<OpClass, number> {
  return Object.fromEntries(OP_CLASSES.map((c) => [c, overrides[c] ?? base])) as Record<OpClass, number>;
}

function cost(fixedMsPerRun: number, byClass: Record<OpClass, number>): BackendCost {
  return { flopsPerSecondByOpClass: byClass, fixedMsPerRun, label: 'measured' };
}

/** wasm: conv 4 GFLOP/s, matmul 1 GFLOP/s, 1 ms per run; webgpu: conv 1, matmul 10, 5 ms per run. */
const twoBackends: PlanNode = {
  id: 'laptop',
  flopsPerSecondByBackend: { wasm: 1e9 },
  memoryBytes: 1e9,
  power: { idleWatts: 2, maxWatts: 10 },
  gramsCo2PerKwh: 300,
  intensitySource: 'test',
  costByBackend: {
    wasm: cost(1, rates({ conv: 4e9, matmul: 1e9 }, 2e9)),
    webgpu: cost(5, rates({ conv: 1e9, matmul: 10e9 }, 2e9)),
  },
};

describe('per-operator-class cost tables', () => {
  it('predicts slice ms = fixed + sum over classes of FLOPs / rate, choosing the backend per slice', () => {
    const inputs: PlanInputs = { model: mixed, nodes: [twoBackends] };
    const ctx = buildSearchContext(inputs, inputs.nodes);
    const conv = evaluatePath(ctx, [{ start: 0, end: 2, node: 0 }]).pipeline.slices[0]!;
    // wasm: 1 + 4e8 / 4e9 x 1000 = 101 ms; webgpu: 5 + 400 = 405 ms.
    expect(conv.backend).toBe('wasm');
    expect(conv.computeMs).toBeCloseTo(101, 9);
    const matmul = evaluatePath(ctx, [{ start: 2, end: 4, node: 0 }]).pipeline.slices[0]!;
    // wasm: 1 + 200 = 201 ms; webgpu: 5 + 20 = 25 ms.
    expect(matmul.backend).toBe('webgpu');
    expect(matmul.computeMs).toBeCloseTo(25, 9);
    const whole = evaluatePath(ctx, [{ start: 0, end: 4, node: 0 }]).pipeline.slices[0]!;
    // wasm: 1 + 100 + 200 = 301; webgpu: 5 + 400 + 20 = 425.
    expect(whole.backend).toBe('wasm');
    expect(whole.computeMs).toBeCloseTo(301, 9);
  });

  it('falls back to FLOPs / fastest backend + slice overhead when the model has no op classes', () => {
    const { nodeOpClass: _drop, ...plain } = mixed;
    const node: PlanNode = { ...twoBackends, flopsPerSecondByBackend: { wasm: 2e9, webgpu: 5e9 }, sliceOverheadMs: 2 };
    const ctx = buildSearchContext({ model: plain, nodes: [node] }, [node]);
    const slice = evaluatePath(ctx, [{ start: 0, end: 4, node: 0 }]).pipeline.slices[0]!;
    expect(slice.backend).toBe('webgpu');
    expect(slice.computeMs).toBeCloseTo(6e8 / 5e9 * 1000 + 2, 9);
  });

  it('applies a per-slice correction to one backend of one exact slice, which can switch the backend', () => {
    const corrections = new Map([[sliceKey('laptop', 'webgpu', 2, 4), 10]]);
    const ctx = buildSearchContext({ model: mixed, nodes: [twoBackends], sliceCorrections: corrections }, [twoBackends]);
    const matmul = evaluatePath(ctx, [{ start: 2, end: 4, node: 0 }]).pipeline.slices[0]!;
    // webgpu corrected to 250 ms: wasm's 201 ms now wins.
    expect(matmul.backend).toBe('wasm');
    expect(matmul.computeMs).toBeCloseTo(201, 9);
    const other = evaluatePath(ctx, [{ start: 3, end: 4, node: 0 }]).pipeline.slices[0]!;
    expect(other.backend).toBe('webgpu');
    expect(other.computeMs).toBeCloseTo(15, 9);
  });

  it('rejects a malformed correction key or factor with the key in the reason', () => {
    const bad = plan({ model: mixed, nodes: [twoBackends], sliceCorrections: new Map([['laptop|wasm|3|2', 2]]) });
    expect(bad).toMatchObject({ ok: false, binding: 'input' });
    if (!bad.ok) expect(bad.reason).toContain('laptop|wasm|3|2');
    const zero = plan({ model: mixed, nodes: [twoBackends], sliceCorrections: new Map([[sliceKey('laptop', 'wasm', 0, 4), 0]]) });
    expect(zero).toMatchObject({ ok: false, binding: 'input' });
  });

  it('keeps the exact search equal to brute force with class costs and two backends per node', () => {
    const model = { ...syntheticPlanModel({ nodeCount: 7, seed: 9, blockLength: 3 }) };
    const classes: OpClass[] = ['conv', 'depthwise', 'elementwise', 'conv', 'matmul', 'memory', 'matmul'];
    const withClasses: PlanModel = { ...model, nodeOpClass: classes };
    const nodes: PlanNode[] = [0, 1, 2].map((k) => ({
      ...twoBackends,
      id: `n${k}`,
      gramsCo2PerKwh: [600, 100, 350][k]!,
      costByBackend: {
        wasm: cost(0.5 + k, rates({ conv: (2 + k) * 1e9, depthwise: 0.5e9 }, 1.5e9)),
        webgpu: cost(4 - k, rates({ matmul: (6 - k) * 1e9, conv: 3e9 }, 1e9)),
      },
    }));
    const ctx = buildSearchContext({ model: withClasses, nodes }, nodes);
    for (const c of [{ perMs: 1, perJoule: 0, perGram: 0 }, { perMs: 0, perJoule: 0, perGram: 1 }, { perMs: 0.01, perJoule: 1, perGram: 300 }]) {
      expect(exactSearch(ctx, c)!.objective).toBeCloseTo(bruteForceMinimum(ctx, c).value, 9);
    }
  });
});

describe('energy follows the ledger rule', () => {
  it('charges a duty-cycled node P(u) x wall with u = busy / wall, as the ledger does', () => {
    const slowdown = 4;
    const node: PlanNode = { ...chainNode('slow', 1e9 / slowdown, 500), utilisation: 1 / slowdown };
    const result = plan({ model: chainModel, nodes: [node] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const slice = result.placement.pipelines[0]!.slices[0]!;
    // 6 MFLOP at 0.25 GFLOP/s = 24 ms of wall, of which 6 ms busy.
    expect(slice.computeMs).toBeCloseTo(24, 9);
    const ledger = new CarbonLedger();
    const power: LedgerPowerModel = { deviceClass: 'laptop', arch: 'x86', idleWatts: 2, maxWatts: 10, ramGb: null, ramWattsPerGb: 0, label: 'measured', source: 'test' };
    const intensity = { ...bundledReading('FR'), gramsCo2PerKwh: 500 };
    const row = ledger.recordExecution({ inferenceId: 'r1', nodeId: 'slow', sliceId: 's0', busyMs: 24 / slowdown, wallMs: 24, power, intensity });
    expect(slice.energyJoules).toBeCloseTo(row.energyJoules, 12);
    // (2 + 0.25 x 8) W x 24 ms = 0.096 J, not the 0.24 J of full power for the whole wall time.
    expect(slice.energyJoules).toBeCloseTo(0.096, 12);
    expect(slice.gramsCo2).toBeCloseTo(row.operationalGramsCo2, 15);
  });

  it('rejects a utilisation outside (0, 1]', () => {
    const r = plan({ model: chainModel, nodes: [{ ...chainNode('a', 1e9, 100), utilisation: 1.5 }] });
    expect(r).toMatchObject({ ok: false, binding: 'input' });
    if (!r.ok) expect(r.reason).toMatch(/utilisation .* \(0, 1\], got 1.5/);
  });
});

describe('shared hosts', () => {
  const model = syntheticMobileNetV2();
  const tab = (id: string, flops: number): PlanNode => ({
    id, flopsPerSecondByBackend: { wasm: flops }, memoryBytes: 4e9, power: { idleWatts: 2, maxWatts: 20 },
    gramsCo2PerKwh: 300, intensitySource: 'test', sliceOverheadMs: 1, hostGroup: 'laptop',
  });
  const tabs = [tab('a', 3e9), tab('b', 3e9), tab('c', 3e9)];
  const hostGroups = [{ id: 'laptop', cores: 1 }];
  const wholeOnOne = (inputs: PlanInputs): number => {
    const r = planPinned({ ...inputs, hostGroups: [] , nodes: inputs.nodes.map(({ hostGroup: _g, ...n }) => n) }, ['a']);
    if (!r.ok) throw new Error(r.reason);
    return r.placement.prediction.throughputPerSecond;
  };

  it('never predicts a 1-core group of 3 nodes faster than one node running the whole model', () => {
    const inputs: PlanInputs = { model, nodes: tabs, hostGroups };
    const single = wholeOnOne(inputs);
    const split = planPinned(inputs, ['a', 'b', 'c']);
    expect(split.ok).toBe(true);
    if (!split.ok) return;
    expect(split.placement.prediction.throughputPerSecond).toBeLessThanOrEqual(single * (1 + 1e-12));
    // The same split on three machines of their own overlaps its stages: about 3x.
    const free = planPinned({ model, nodes: tabs.map(({ hostGroup: _g, ...n }) => n) }, ['a', 'b', 'c']);
    expect(free.ok && free.placement.prediction.throughputPerSecond).toBeGreaterThan(2.5 * single);
    for (const requestsPerSecond of [0, 'max' as const]) {
      const planned = plan({ ...inputs, requestsPerSecond, mode: 'performance' });
      expect(planned.ok).toBe(true);
      if (planned.ok) expect(planned.placement.prediction.throughputPerSecond).toBeLessThanOrEqual(single * (1 + 1e-9));
    }
    const tooFast = plan({ ...inputs, requestsPerSecond: single * 1.5 });
    expect(tooFast).toMatchObject({ ok: false, binding: 'rate' });
  });

  it('lets a 2-core group carry two replicas but not three', () => {
    const inputs: PlanInputs = { model, nodes: tabs, hostGroups: [{ id: 'laptop', cores: 2 }], requestsPerSecond: 'max' };
    const single = wholeOnOne(inputs);
    const r = plan(inputs);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.placement.prediction.throughputPerSecond).toBeLessThanOrEqual(2 * single * (1 + 1e-9));
    expect(r.placement.prediction.throughputPerSecond).toBeGreaterThanOrEqual(0.9 * 2 * single);
    expect(standaloneCapacityPerSecond(inputs, ['a', 'b', 'c'])).toBeCloseTo(2 * single, 6);
  });

  it('counts the CPU cost of moving bytes against a shared host', () => {
    const inputs: PlanInputs = { model, nodes: tabs, hostGroups: [{ id: 'laptop', cores: 3 }] };
    const without = planPinned(inputs, ['a', 'b', 'c']);
    const withCpu = planPinned({ ...inputs, options: { transferCpuMsPerByte: 1000 / 25e6 } }, ['a', 'b', 'c']);
    expect(without.ok && withCpu.ok).toBe(true);
    if (!without.ok || !withCpu.ok) return;
    expect(withCpu.placement.prediction.throughputPerSecond).toBeLessThan(without.placement.prediction.throughputPerSecond);
    // The CPU of moving bytes loads the processors; the latency stays slices + hops.
    const [pipeline] = withCpu.placement.pipelines;
    const sum = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0);
    expect(withCpu.placement.prediction.latencyMs).toBeCloseTo(sum(pipeline!.slices.map((s) => s.computeMs)) + sum(pipeline!.hops.map((h) => h.transferMs)), 9);
    expect(withCpu.placement.prediction.transferBytes).toBeLessThanOrEqual(without.placement.prediction.transferBytes);
  });

  it('charges no transfer CPU to a group whose cores were measured in the run (they are net of it)', () => {
    const options = { transferCpuMsPerByte: 1000 / 25e6 };
    const nominal = planPinned({ model, nodes: tabs, hostGroups: [{ id: 'laptop', cores: 1.5 }], options }, ['a', 'b', 'c']);
    const measured = planPinned({ model, nodes: tabs, hostGroups: [{ id: 'laptop', cores: 1.5, measured: true }], options }, ['a', 'b', 'c']);
    expect(nominal.ok && measured.ok).toBe(true);
    if (!nominal.ok || !measured.ok) return;
    const [pipeline] = measured.placement.pipelines;
    const computeMs = pipeline!.slices.reduce((a, s) => a + s.computeMs, 0);
    // Little's law on the measured cores: the group runs its slices' ms at 1.5 at once.
    expect(measured.placement.prediction.throughputPerSecond).toBeCloseTo(1.5 * 1000 / computeMs, 9);
    const [p0] = nominal.placement.pipelines;
    const bytes = p0!.hops.reduce((a, h) => a + h.bytes, 0);
    const nominalCompute = p0!.slices.reduce((a, s) => a + s.computeMs, 0);
    // Every hop's bytes are charged at both ends but the coordinator's (first hop's sender, last hop's receiver).
    const transferMs = (2 * bytes - p0!.hops[0]!.bytes - p0!.hops[p0!.hops.length - 1]!.bytes) * options.transferCpuMsPerByte;
    expect(nominal.placement.prediction.throughputPerSecond).toBeCloseTo(1.5 * 1000 / (nominalCompute + transferMs), 9);
    expect(planPinned({ model, nodes: tabs, hostGroups: [{ id: 'laptop', cores: 1, measured: 'yes' as never }] }, ['a']))
      .toMatchObject({ ok: false, reason: 'host group "laptop": measured must be true or false, got yes' });
  });

  it('charges a host its own transfer figure for every hop on it, the coordinator\'s too when it runs there, once per hop', () => {
    const mainThreads = { transferCpuMsPerByte: 10 / 1e6 };
    const host = { id: 'laptop', cores: 1, transferCpuMsPerByte: 150 / 1e6 };
    const pinned = (groups: PlanInputs['hostGroups'], nodes: readonly string[]) => {
      const r = planPinned({ model, nodes: tabs, hostGroups: groups, options: mainThreads }, nodes);
      if (!r.ok) throw new Error(r.reason);
      return r.placement.pipelines[0]!;
    };
    const throughput = (p: ReturnType<typeof pinned>) => p.prediction.throughputPerSecond;
    const compute = (p: ReturnType<typeof pinned>) => p.slices.reduce((a, s) => a + s.computeMs, 0);
    const bytes = (p: ReturnType<typeof pinned>) => p.hops.reduce((a, h) => a + h.bytes, 0);
    // Whole model on one tab with the coordinator on the same machine: both hops are on the host.
    const withCoordinator = pinned([{ ...host, withCoordinator: true }], ['a']);
    expect(throughput(withCoordinator)).toBeCloseTo(1000 / (compute(withCoordinator) + bytes(withCoordinator) * host.transferCpuMsPerByte), 9);
    // The coordinator elsewhere: its hops are the tab's main thread's only (the node's end).
    const elsewhere = pinned([host], ['a']);
    expect(throughput(elsewhere)).toBeCloseTo(1000 / (compute(elsewhere) + bytes(elsewhere) * mainThreads.transferCpuMsPerByte), 9);
    // Three tabs: every hop is on the host, charged once at the host's figure, never per end on top.
    const split = pinned([{ ...host, withCoordinator: true }], ['a', 'b', 'c']);
    expect(throughput(split)).toBeCloseTo(1000 / (compute(split) + bytes(split) * host.transferCpuMsPerByte), 9);
    // A measured host's cores are net of moving bytes: no figure charged.
    const measured = pinned([{ ...host, withCoordinator: true, measured: true }], ['a', 'b', 'c']);
    expect(throughput(measured)).toBeCloseTo(1000 / compute(measured), 9);
    // The latency is slices + hops either way.
    expect(split.prediction.latencyMs).toBeCloseTo(compute(split) + split.hops.reduce((a, h) => a + h.transferMs, 0), 9);
    expect(planPinned({ model, nodes: tabs, hostGroups: [{ ...host, transferCpuMsPerByte: -1 }] }, ['a']))
      .toMatchObject({ ok: false, reason: 'host group "laptop": transferCpuMsPerByte must be >= 0, got -1' });
    expect(planPinned({ model, nodes: tabs, hostGroups: [{ ...host, withCoordinator: 1 as never }] }, ['a']))
      .toMatchObject({ ok: false, reason: 'host group "laptop": withCoordinator must be true or false, got 1' });
  });
});
