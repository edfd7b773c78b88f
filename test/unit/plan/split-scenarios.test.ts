/**
 * The lab scenarios where splitting must win (src/lab/scenarios/phones-split.json, green-budget.json)
 * hold in the planner's own model on the real MobileNetV2 profile: the planner chooses a split and
 * it emits less than every whole-model placement allowed by the same limits. The lab measures the
 * same in real pages.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_SCENARIO_DIR, loadScenario } from '../../../src/lab/load-scenario';
import { DEFAULT_REFERENCE_FLOPS_PER_SECOND, loadPlanModel, toSimulatedPlanNode } from '../../../src/lab/simulate';
import { choosePlacement } from '../../../src/plan/choose-placement';
import { fastestWholeModelMs } from '../../../src/lab/configurations';
import type { PlanModel } from '../../../src/plan/plan-model';
import type { PlanNode } from '../../../src/plan/plan-types';

let model: PlanModel;
beforeAll(async () => {
  model = await loadPlanModel('mobilenetv2');
}, 60_000);

async function swarm(name: string): Promise<PlanNode[]> {
  const scenario = await loadScenario(path.join(BUNDLED_SCENARIO_DIR, `${name}.json`));
  return scenario.nodes.map((n) => toSimulatedPlanNode(n, DEFAULT_REFERENCE_FLOPS_PER_SECOND));
}

describe('scenarios where a split must win', () => {
  it('phones-split: no phone holds the model; Green splits it over phones and emits less than the laptop', async () => {
    const nodes = await swarm('phones-split');
    const phone = choosePlacement({ model, nodes }, { placement: { kind: 'pinned', nodes: ['Phone-NO-1'] } });
    expect(phone.ok).toBe(true);
    if (phone.ok) expect(phone.placement.pipelines[0]!.slices[0]!.memoryBytes).toBeGreaterThan(nodes.find((n) => n.id === 'Phone-NO-1')!.memoryBytes);
    const green = choosePlacement({ model, nodes }, { placement: { kind: 'planner' }, mode: 'green' });
    expect(green.ok).toBe(true);
    if (!green.ok) return;
    const slices = green.placement.pipelines[0]!.slices;
    expect(slices.length).toBeGreaterThan(1);
    for (const s of slices) expect(s.nodeId).toMatch(/^Phone-/);
    const laptop = choosePlacement({ model, nodes }, { placement: { kind: 'pinned', nodes: ['Laptop-PL'] } });
    expect(laptop.ok).toBe(true);
    if (laptop.ok) expect(green.placement.prediction.gramsCo2).toBeLessThan(laptop.placement.prediction.gramsCo2 / 5);
  });

  it('green-budget: within twice the fastest whole model, Green splits the model and emits less than every whole-model node that meets the budget', async () => {
    const nodes = await swarm('green-budget');
    const scenario = await loadScenario(path.join(BUNDLED_SCENARIO_DIR, 'green-budget.json'));
    const factor = scenario.configurations.flatMap((c) => (c.kind === 'planner' && c.latencyBudgetFactor !== undefined ? [c.latencyBudgetFactor] : []))[0]!;
    expect(factor).toBe(2);
    const wholes = nodes.map((n) => choosePlacement({ model, nodes }, { placement: { kind: 'pinned', nodes: [n.id] } }));
    const fastest = fastestWholeModelMs(nodes, (n) => {
      const w = wholes[nodes.indexOf(n)]!;
      return w.ok ? w.placement.prediction.latencyMs : undefined;
    })!;
    const budgetMs = factor * fastest;
    const r = choosePlacement({ model, nodes }, { placement: { kind: 'planner' }, mode: 'green', constraints: { latencyBudgetMs: budgetMs } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.placement.pipelines[0]!.slices.length).toBe(2);
    expect(r.placement.prediction.latencyMs).toBeLessThanOrEqual(budgetMs);
    const wholeWithin = wholes.filter((w) => w.ok && w.placement.prediction.latencyMs <= budgetMs);
    expect(wholeWithin.length).toBe(1);
    for (const w of wholeWithin) if (w.ok) expect(r.placement.prediction.gramsCo2).toBeLessThan(w.placement.prediction.gramsCo2);
  });
});
