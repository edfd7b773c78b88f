/** planCheckRows (src/ui/plan-vs-run.ts): the plan's per-inference figures next to the run's. */
import { describe, expect, it } from 'vitest';
import { planCheckRows } from '../../../src/ui/plan-vs-run';
import type { Placement } from '../../../src/plan/plan-types';
import type { LedgerSummary } from '../../../src/carbon/ledger';

const prediction = { latencyMs: 150, throughputPerSecond: 10, energyJoules: 0.5, gramsCo2: 2e-4, transferMs: 5, transferBytes: 1000 };
const placement = { pipelines: [{ slices: [], hops: [], share: 1, prediction }], prediction } as unknown as Placement;
const totals = (energyJoules: number, operationalGramsCo2: number) => ({ energyJoules, operationalGramsCo2, embodiedGramsCo2: 0, gramsCo2: operationalGramsCo2 });

describe('planCheckRows', () => {
  it('compares latency at the run\'s requests in flight, and energy and grams per inference from the ledger', () => {
    const summary = { inferences: 20, total: totals(12, 4e-3) } as unknown as LedgerSummary;
    const rows = planCheckRows(placement, { window: 3, ratePerSecond: 0 }, [250, 350], summary);
    expect(rows.map((r) => [r.key, r.predicted, r.measured])).toEqual([
      ['latency', 300, 300], // 3 in flight at 10/s: 300 ms, not the idle pipeline's 150
      ['energy', 0.5, 0.6],
      ['grams', 2e-4, 2e-4],
    ]);
    expect(rows[0]!.error).toBe(0);
    expect(rows[1]!.error).toBeCloseTo(0.5 / 0.6 - 1, 12);
    expect(rows[0]!.label).toBe('latency (3 in flight per pipeline)');
  });

  it('uses the idle-pipeline latency for a paced run, and shows nothing measured before any result', () => {
    const rows = planCheckRows(placement, { window: 3, ratePerSecond: 2 }, [], undefined);
    expect(rows.map((r) => [r.predicted, r.measured, r.error])).toEqual([[150, null, null], [0.5, null, null], [2e-4, null, null]]);
  });
});
