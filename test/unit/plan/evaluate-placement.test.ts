/**
 * A placement made earlier, predicted again (src/plan/planner.ts `evaluatePlacement`): with the
 * inputs it was planned on it gives the planner's own prediction, replicas included; with nodes
 * that turned out slower it keeps the placement and predicts it slower; a node it does not know
 * is a reason, not a throw.
 */
import { describe, expect, it } from 'vitest';
import { evaluatePlacement, plan } from '../../../src/plan/planner';
import type { PlanInputs } from '../../../src/plan/plan-types';
import { syntheticMobileNetV2 } from '../../../src/plan/synthetic-model';
import { randomNodes } from './helpers';

const model = syntheticMobileNetV2();

describe('a placement predicted again', () => {
  it.each([
    ['one pipeline, green', { mode: 'green' as const }],
    ['one pipeline within a latency budget', { mode: 'green' as const, constraints: { latencyBudgetMs: 400 } }],
    ['replicated on shared hosts, rate max', { mode: 'performance' as const, requestsPerSecond: 'max' as const, hostGroups: [{ id: 'tabs', cores: 2 }] }],
  ])('equals the planner\'s prediction on the same inputs (%s)', (_name, extra) => {
    const nodes = randomNodes(8, 7).map((n, k) => (k < 3 ? { ...n, hostGroup: 'tabs' } : n));
    const inputs: PlanInputs = { model, nodes, ...extra };
    const planned = plan(inputs);
    if (!planned.ok) throw new Error(planned.reason);
    const again = evaluatePlacement(inputs, planned.placement);
    if (!again.ok) throw new Error(again.reason);
    expect(again.placement.pipelines.map((p) => p.slices.map((s) => `${s.nodeId}[${s.sliceRange}]`))).toEqual(planned.placement.pipelines.map((p) => p.slices.map((s) => `${s.nodeId}[${s.sliceRange}]`)));
    expect(again.placement.pipelines.map((p) => p.share)).toEqual(planned.placement.pipelines.map((p) => p.share));
    for (const key of ['latencyMs', 'throughputPerSecond', 'energyJoules', 'gramsCo2'] as const) {
      expect(again.placement.prediction[key]).toBeCloseTo(planned.placement.prediction[key], 9);
    }
  });

  it('keeps the placement when its nodes turn out slower, and predicts it slower where the planner would move', () => {
    const nodes = randomNodes(6, 3);
    const inputs: PlanInputs = { model, nodes, mode: 'performance' };
    const planned = plan(inputs);
    if (!planned.ok) throw new Error(planned.reason);
    const used = new Set(planned.placement.pipelines.flatMap((p) => p.slices.map((s) => s.nodeId)));
    // Every node it used runs at a quarter of its claimed speed.
    const slower = { ...inputs, nodes: nodes.map((n) => (used.has(n.id) ? { ...n, flopsPerSecondByBackend: Object.fromEntries(Object.entries(n.flopsPerSecondByBackend).map(([b, f]) => [b, f / 4])) } : n)) };
    const again = evaluatePlacement(slower, planned.placement);
    if (!again.ok) throw new Error(again.reason);
    expect(again.placement.pipelines[0]!.slices.map((s) => s.nodeId)).toEqual(planned.placement.pipelines[0]!.slices.map((s) => s.nodeId));
    const computeBefore = planned.placement.pipelines[0]!.slices.reduce((a, s) => a + s.computeMs, 0);
    const computeAfter = again.placement.pipelines[0]!.slices.reduce((a, s) => a + s.computeMs, 0);
    expect(computeAfter / computeBefore).toBeCloseTo(4, 6);
    expect(again.placement.prediction.latencyMs).toBeGreaterThan(planned.placement.prediction.latencyMs);
  });

  it('says which node it does not know', () => {
    const nodes = randomNodes(3, 1);
    const planned = plan({ model, nodes, mode: 'performance' });
    if (!planned.ok) throw new Error(planned.reason);
    const id = planned.placement.pipelines[0]!.slices[0]!.nodeId;
    const r = evaluatePlacement({ model, nodes: nodes.filter((n) => n.id !== id), mode: 'performance' }, planned.placement);
    expect(r).toEqual({ ok: false, reason: `node ${id} of the placement is not among the nodes given`, binding: 'input' });
  });
});
