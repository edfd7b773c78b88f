/**
 * Our planner on a real catalogue model (MobileNetV2 profiled with onnxruntime-web) over
 * heterogeneous nodes: it finds placements that whole-task routing (the paper's: one node runs the
 * whole model) cannot.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { indexModel, parseModel, profileModel, toPlanModel } from '../../../src/graph/index';
import { loadZooModel } from '../../../src/zoo/index';
import { plan } from '../../../src/plan/planner';
import type { PlanModel } from '../../../src/plan/plan-model';
import type { PlanNode } from '../../../src/plan/plan-types';

let model: PlanModel;

beforeAll(async () => {
  const bytes = await loadZooModel('mobilenetv2');
  model = toPlanModel(await profileModel(indexModel(parseModel(bytes)), [{ name: undefined, dims: [1, 3, 224, 224] }]));
});

const node = (id: string, gflops: number, grams: number, memoryMb: number, maxWatts = 15): PlanNode => ({
  id,
  flopsPerSecondByBackend: { wasm: gflops * 1e9 },
  memoryBytes: memoryMb * 1e6,
  power: { idleWatts: maxWatts / 5, maxWatts },
  gramsCo2PerKwh: grams,
  intensitySource: 'test',
});

describe('planner on real MobileNetV2 slices', () => {
  it('splits the model across phones too small to hold it whole', () => {
    // Each phone offers 16 MB: the whole model needs 14 MB of weights plus a 9.6 MB activation peak.
    const phones = [node('phone-1', 2, 300, 16), node('phone-2', 2, 300, 16), node('phone-3', 2, 300, 16), node('phone-4', 2, 300, 16)];
    const whole = phones.map((p) => plan({ model, nodes: [p] }));
    expect(whole.every((r) => !r.ok && r.binding === 'memory')).toBe(true);
    const split = plan({ model, nodes: phones });
    expect(split.ok).toBe(true);
    if (!split.ok) return;
    const slices = split.placement.pipelines[0]!.slices;
    expect(slices.length).toBeGreaterThanOrEqual(2);
    expect(slices.every((s) => s.memoryBytes <= 16e6)).toBe(true);
  });

  it('under a latency budget, splits between a fast dirty node and a slow clean one, beating every single node', () => {
    for (const count of [3, 4, 5, 6]) {
      const nodes = [
        node('fast-coal', 8, 800, 2000, 40),
        node('slow-hydro', 1, 30, 2000, 8),
        node('mid-gas', 3, 450, 2000, 20),
        node('phone-solar', 1.5, 60, 40, 5),
        node('desktop-mix', 6, 350, 4000, 60),
        node('tablet-wind', 1.2, 40, 60, 6),
      ].slice(0, count);
      const singles = nodes.map((n) => plan({ model, nodes: [n] })).flatMap((r) => (r.ok ? [r.placement.prediction] : []));
      // A budget between the fastest and the cleanest whole-model latencies.
      const fastest = Math.min(...singles.map((s) => s.latencyMs));
      const cleanest = singles.reduce((a, b) => (b.gramsCo2 < a.gramsCo2 ? b : a));
      const budget = (fastest + cleanest.latencyMs) / 2;
      const result = plan({ model, nodes, mode: 'green', constraints: { latencyBudgetMs: budget } });
      expect(result.ok, `${count} nodes`).toBe(true);
      if (!result.ok) return;
      const p = result.placement.prediction;
      expect(p.latencyMs).toBeLessThanOrEqual(budget);
      expect(result.placement.pipelines[0]!.slices.length, `${count} nodes`).toBeGreaterThanOrEqual(2);
      const bestWholeInBudget = Math.min(...singles.filter((s) => s.latencyMs <= budget).map((s) => s.gramsCo2));
      expect(p.gramsCo2, `${count} nodes`).toBeLessThan(bestWholeInBudget);
    }
  });
});
