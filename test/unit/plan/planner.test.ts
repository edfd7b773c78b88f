import { describe, expect, it } from 'vitest';
import { plan } from '../../../src/plan/planner';
import { planSweep } from '../../../src/plan/plan-sweep';
import { exactSearch, lowerBound } from '../../../src/plan/pipeline-search';
import { buildSearchContext } from '../../../src/plan/search-context';
import { syntheticMobileNetV2, syntheticPlanModel } from '../../../src/plan/synthetic-model';
import type { PlanInputs } from '../../../src/plan/plan-types';
import { bruteForceMinimum } from './brute-force';
import { randomNodes } from './helpers';

const finite = (x: unknown): boolean => !JSON.stringify(x, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)).includes('NaN');

describe('exact search', () => {
  const cases = [
    { graph: 6, swarm: 3, seed: 1 },
    { graph: 7, swarm: 3, seed: 2 },
    { graph: 8, swarm: 4, seed: 3 },
    { graph: 6, swarm: 4, seed: 4 },
    { graph: 9, swarm: 3, seed: 5 },
  ];
  it.each(cases)('matches brute force over all cut sets and assignments ($graph nodes, $swarm devices, seed $seed)', ({ graph, swarm, seed }) => {
    const model = syntheticPlanModel({ nodeCount: graph, seed, blockLength: 3 });
    const weightBytes = model.nodeWeightBytes.reduce((a, b) => a + b, 0);
    const nodes = randomNodes(swarm, seed, weightBytes * 0.7 + (model.activationBytesPeak ?? 0));
    const ctx = buildSearchContext({ model, nodes, linkDefaults: { bandwidthBytesPerSecond: 5e7, latencyMs: 1 } }, nodes);
    for (const c of [{ perMs: 1, perJoule: 0, perGram: 0 }, { perMs: 0.01, perJoule: 1, perGram: 300 }, { perMs: 0, perJoule: 0, perGram: 1 }]) {
      const brute = bruteForceMinimum(ctx, c);
      const found = exactSearch(ctx, c);
      if (brute.value === Infinity) expect(found).toBeUndefined();
      else {
        expect(found!.objective).toBeCloseTo(brute.value, 9);
        expect(lowerBound(ctx, c)).toBeLessThanOrEqual(brute.value * (1 + 1e-9));
      }
    }
  });
});

describe('plan', () => {
  const model = syntheticMobileNetV2();
  const nodes = randomNodes(4, 11);
  const inputs: PlanInputs = { model, nodes, mode: 'balanced' };

  it('returns a placement whose slices tile [0, n) and whose predictions are finite', () => {
    const result = plan(inputs);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const slices = result.placement.pipelines[0]!.slices;
    expect(slices[0]!.sliceRange[0]).toBe(0);
    expect(slices.at(-1)!.sliceRange[1]).toBe(model.nodeCount);
    for (let k = 1; k < slices.length; k++) expect(slices[k]!.sliceRange[0]).toBe(slices[k - 1]!.sliceRange[1]);
    expect(result.placement.method).toBe('exact');
    expect(finite(result)).toBe(true);
  });

  it('modes mean something: green emits no more than balanced, performance is no slower', () => {
    const get = (mode: 'performance' | 'balanced' | 'green') => {
      const r = plan({ ...inputs, mode });
      if (!r.ok) throw new Error(r.reason);
      return r.placement.prediction;
    };
    const [p, b, g] = [get('performance'), get('balanced'), get('green')];
    expect(g.gramsCo2).toBeLessThanOrEqual(b.gramsCo2 * (1 + 1e-9));
    expect(p.latencyMs).toBeLessThanOrEqual(b.latencyMs * (1 + 1e-9));
  });

  it('finds a multi-slice placement when no single node can hold the model (whole-task routing cannot)', () => {
    const weights = model.nodeWeightBytes.reduce((a, b) => a + b, 0);
    const small = randomNodes(5, 7, weights * 0.45 + (model.activationBytesPeak ?? 0));
    const result = plan({ model, nodes: small, mode: 'green' });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.placement.pipelines[0]!.slices.length).toBeGreaterThanOrEqual(3);
  });

  it('meets a latency budget by moving toward latency, and names it when impossible', () => {
    const green = plan({ ...inputs, mode: 'green' });
    const fast = plan({ ...inputs, mode: 'performance' });
    if (!green.ok || !fast.ok) throw new Error('setup');
    const budget = (green.placement.prediction.latencyMs + fast.placement.prediction.latencyMs) / 2;
    const constrained = plan({ ...inputs, mode: 'green', constraints: { latencyBudgetMs: budget } });
    expect(constrained.ok).toBe(true);
    if (constrained.ok) expect(constrained.placement.prediction.latencyMs).toBeLessThanOrEqual(budget);
    const impossible = plan({ ...inputs, constraints: { latencyBudgetMs: 1 } });
    expect(impossible).toMatchObject({ ok: false, binding: 'latency' });
    if (!impossible.ok) expect(impossible.reason).toMatch(/latency budget 1\.000 ms cannot be met: the fastest placement needs \d/);
  });

  it('names the carbon limit (per inference or per-run budget) when nothing meets it', () => {
    const r = plan({ ...inputs, constraints: { carbonBudget: { grams: 1e-9, inferences: 1000 } } });
    expect(r).toMatchObject({ ok: false, binding: 'carbon' });
  });

  it('replicates pipelines for a request rate and splits traffic by capacity', () => {
    const one = plan(inputs);
    if (!one.ok) throw new Error('setup');
    const rate = one.placement.prediction.throughputPerSecond * 1.2;
    const r = plan({ ...inputs, requestsPerSecond: rate });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.placement.pipelines.length).toBeGreaterThan(1);
    expect(r.placement.pipelines.reduce((a, p) => a + p.share, 0)).toBeCloseTo(1, 9);
    const ids = r.placement.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(plan({ ...inputs, requestsPerSecond: 1e6 })).toMatchObject({ ok: false, binding: 'rate' });
  });

  it.each([
    ['no nodes', { nodes: [] }, /no nodes/],
    ['zero speed', { nodes: [{ ...nodes[0]!, flopsPerSecondByBackend: { wasm: 0 } }] }, /zero speed/],
    ['weights not summing to 1', { weights: { latency: 0.5, energy: 0.2, carbon: 0.2 } }, /sum to 1, got 0.5 \+ 0.2 \+ 0.2 = 0.9/],
    ['negative weights', { weights: { latency: 1.2, energy: 0, carbon: -0.2 } }, /carbon must be a finite number >= 0/],
    ['NaN speed', { nodes: [{ ...nodes[0]!, flopsPerSecondByBackend: { wasm: NaN } }] }, /speed of wasm/],
  ])('rejects %s with a clear reason', (_name, patch, reason) => {
    const r = plan({ ...inputs, ...patch } as PlanInputs);
    expect(r).toMatchObject({ ok: false, binding: 'input' });
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('names memory when nothing fits', () => {
    const r = plan({ ...inputs, nodes: randomNodes(3, 1, 1e6) });
    expect(r).toMatchObject({ ok: false, binding: 'memory' });
    if (!r.ok) expect(r.reason).toMatch(/largest node offers 1.0 MB/);
  });

  it('uses the heuristic with a reported gap on a big instance', () => {
    const big = syntheticPlanModel({ nodeCount: 700 });
    const r = plan({ model: big, nodes: randomNodes(32, 3), mode: 'green' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.placement.method).toBe('heuristic');
    expect(r.placement.gap).toBeGreaterThanOrEqual(0);
    expect(r.placement.gap).toBeLessThan(0.5);
  });
});

describe('planSweep', () => {
  it('returns a non-dominated front sorted by latency', () => {
    const s = planSweep({ model: syntheticMobileNetV2(), nodes: randomNodes(5, 21) }, 21);
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    expect(s.points.length).toBe(21);
    for (let k = 1; k < s.front.length; k++) {
      expect(s.front[k]!.latencyMs).toBeGreaterThanOrEqual(s.front[k - 1]!.latencyMs);
      expect(s.front[k]!.gramsCo2).toBeLessThan(s.front[k - 1]!.gramsCo2);
    }
  });
});
