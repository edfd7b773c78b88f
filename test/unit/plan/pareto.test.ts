import { describe, expect, it } from 'vitest';
import { paperPlanInputs } from '../../../src/plan/paper-scenario';
import { reproducePaper } from '../../../src/plan/paper-reproduction';
import { evaluatePath } from '../../../src/plan/pipeline-evaluate';
import { compareWithFront, planSweep, type SweepPoint } from '../../../src/plan/plan-sweep';
import { buildSearchContext } from '../../../src/plan/search-context';
import { syntheticMobileNetV2 } from '../../../src/plan/synthetic-model';

const point = (latencyMs: number, gramsCo2: number, placement: string): SweepPoint => ({ latencyMs, gramsCo2, energyJoules: 0, placement });

describe('Pareto front from latency budgets', () => {
  const model = syntheticMobileNetV2();
  const inputs = paperPlanInputs(model, 'strict');

  it('reaches split placements no weight vector reaches, beating Node-Medium on both axes', () => {
    const sweep = planSweep(inputs, 21);
    expect(sweep.ok).toBe(true);
    if (!sweep.ok) return;
    const weighted = new Set(sweep.points.map((p) => p.placement));
    const nonConvex = sweep.front.filter((p) => !weighted.has(p.placement) && p.placement.split(' ').length === 2);
    expect(nonConvex.length).toBeGreaterThan(0);
    const ctx = buildSearchContext(inputs, inputs.nodes);
    const medium = evaluatePath(ctx, [{ start: 0, end: model.nodeCount, node: inputs.nodes.findIndex((n) => n.id === 'node-medium') }]).objectives;
    const verdict = compareWithFront(sweep.front, { ...medium, placement: `[0,${model.nodeCount})@node-medium` });
    expect(verdict.verdict).toBe('dominates');
    if (verdict.verdict === 'dominates') expect(verdict.point.placement.split(' ').length).toBe(2);
    // Every budget point meets its budget and the front is sorted and non-dominated.
    for (const p of sweep.budgetPoints) expect(p.latencyMs).toBeLessThanOrEqual(p.latencyBudgetMs! * (1 + 1e-12));
    for (let k = 1; k < sweep.front.length; k++) {
      expect(sweep.front[k]!.latencyMs).toBeGreaterThanOrEqual(sweep.front[k - 1]!.latencyMs);
      expect(sweep.front[k]!.gramsCo2).toBeLessThan(sweep.front[k - 1]!.gramsCo2);
    }
  });

  it('respects a user latency budget: no front point above it', () => {
    const sweep = planSweep({ ...inputs, constraints: { latencyBudgetMs: 400 } }, 11);
    expect(sweep.ok).toBe(true);
    if (sweep.ok) for (const p of sweep.front) expect(p.latencyMs).toBeLessThanOrEqual(400);
  });
});

describe('compareWithFront', () => {
  const front = [point(100, 5, 'A'), point(200, 3, 'B'), point(300, 2, 'C')];

  it('says matches for the same placement', () => {
    expect(compareWithFront(front, { latencyMs: 200, gramsCo2: 3, placement: 'B' })).toMatchObject({ verdict: 'matches', point: { placement: 'B' } });
  });

  it('says dominates only when strictly better on one axis and no worse on the other', () => {
    expect(compareWithFront(front, { latencyMs: 250, gramsCo2: 3, placement: 'X' })).toMatchObject({ verdict: 'dominates', point: { placement: 'B' } });
    // Same figures, other placement: a tie, not domination.
    expect(compareWithFront(front, { latencyMs: 200, gramsCo2: 3, placement: 'X' })).toEqual({ verdict: 'neither' });
    // Better on grams but slower: neither.
    expect(compareWithFront(front, { latencyMs: 150, gramsCo2: 4 })).toEqual({ verdict: 'neither' });
  });
});

describe('the Pareto view against the paper modes', () => {
  it('names, per paper mode, a point of ours at least as good on both axes, and says matches for the same node', () => {
    for (const a of reproducePaper().accountings) {
      for (const r of a.paperRows) {
        const v = a.frontVerdicts[r.config]!;
        expect(v.verdict, `${a.accounting} ${r.config}`).not.toBe('neither');
        if (v.verdict === 'neither') continue;
        expect(v.point.latencyMs).toBeLessThanOrEqual(r.latencyMs * (1 + 1e-9));
        expect(v.point.gramsCo2).toBeLessThanOrEqual(r.gramsCo2PerInference * (1 + 1e-9));
        const only = Object.entries(r.nodeUsage ?? {}).find(([, share]) => share === 1);
        if (v.verdict === 'matches') expect(v.point.placement).toBe(`[0,152)@${only![0]}`);
      }
    }
  });
});
