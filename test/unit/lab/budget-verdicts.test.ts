/**
 * The lab's verdict on configurations planned with a latency budget (src/lab/results.ts
 * `budgetVerdicts`): over the budget is said, never compared; within it, grams against the cleanest
 * whole-model configuration that met the same budget; a re-plan after the warm-up and the budget's
 * basis are said.
 */
import { describe, expect, it } from 'vitest';
import { aggregate, budgetVerdicts, isWholeModel, type ConfigurationResult, type RepeatMeasure } from '../../../src/lab/results';
import type { ExpandedConfiguration } from '../../../src/lab/configurations';

const est = (mean: number) => ({ mean, low: mean, high: mean, n: 2 });
const config = (label: string, kind: ConfigurationResult['kind'], placement: string, latencyMs: number, grams: number, extra: Partial<ConfigurationResult> = {}): ConfigurationResult => ({
  label, kind, placement,
  latencyMs: est(latencyMs), throughputPerSecond: est(1000 / latencyMs), energyJoulesPerInference: est(1), gramsCo2PerInference: est(grams),
  inferencesPerGramCo2: est(1 / grams), reductionVsMonolithic: est(0), planningMsPerRequest: est(0), nodeUsage: {}, failed: 0, errors: [], ...extra,
});

describe('latency budget verdicts', () => {
  const wholes = [
    config('monolithic@Desktop-PL', 'monolithic', '[0,100)@Desktop-PL', 65.4, 4.04e-4),
    config('monolithic@Laptop-DE', 'monolithic', '[0,100)@Laptop-DE', 144.4, 1.05e-4),
    config('monolithic@Laptop-NO', 'monolithic', '[0,100)@Laptop-NO', 184.9, 1.07e-5),
  ];

  it('a split within its budget is compared with the cleanest whole model that met it, with the re-plans and the basis said', () => {
    const split = config('planner-green<=2x', 'planner', '[0,61)@Laptop-DE > [61,100)@Desktop-PL', 125.5, 2.22e-4, { latencyBudgetMs: 128.8, latencyBudgetBasis: 'measured', budgetReplans: 3, overBudgetRepetitions: 1 });
    expect(budgetVerdicts([...wholes, split])).toEqual([
      'planner-green<=2x (a split, [0,61)@Laptop-DE > [61,100)@Desktop-PL) (re-planned 3 times after a warm-up measured it over the budget): budget 128.8 ms (from the fastest whole model measured), measured 125.5 ms: 45.0% less carbon than the cleanest whole model within it (monolithic@Desktop-PL, 65.4 ms); 1 of 2 repetitions over its own budget',
    ]);
  });

  it('over its budget it is said to be over, not compared; no whole model within it is said', () => {
    const over = config('planner<=x', 'planner', '[0,50)@Laptop-NO > [50,100)@Laptop-DE', 133.9, 5e-5, { latencyBudgetMs: 128.3 });
    const tight = config('planner<=tight', 'planner', '[0,100)@Desktop-PL', 60, 4e-4, { latencyBudgetMs: 61, latencyBudgetBasis: 'predicted' });
    expect(budgetVerdicts([...wholes, over, tight])).toEqual([
      'planner<=x (a split, [0,50)@Laptop-NO > [50,100)@Laptop-DE): budget 128.3 ms, measured 133.9 ms: over its budget',
      'planner<=tight (the whole model, [0,100)@Desktop-PL): budget 61.0 ms (from the fastest whole model predicted), measured 60.0 ms: no whole-model placement met the budget',
    ]);
  });

  it('tells a whole-model placement from a split or replicas', () => {
    expect([isWholeModel('[0,100)@A'), isWholeModel('[0,50)@A > [50,100)@B'), isWholeModel('[0,100)@A | [0,100)@B'), isWholeModel('')]).toEqual([true, false, false, false]);
  });

  it('repetitions are held to their own budgets: re-plans summed, those over their own budget counted', () => {
    const repeat = (n: number, latencyMs: number, latencyBudgetMs: number, replans: number): RepeatMeasure => ({
      configuration: 'p', repeat: n, completed: 20, failed: 0, latencyMs, throughputPerSecond: 7, energyJoulesPerInference: 1, gramsCo2PerInference: 1.5e-4, planningMsPerRequest: 0,
      busyMsByNode: { A: 1 }, placement: '[0,90)@A > [90,100)@B', latencyBudgetMs, latencyBudgetBasis: 'measured',
      budgetCheck: { outcome: 'within', reason: 'measured', replans },
    });
    const configs = [{ label: 'p', kind: 'planner', mode: 'green', stages: 0 }] as unknown as ExpandedConfiguration[];
    // Repetition 1 measured 140.6 ms against its own 139.4 ms budget; repetition 2 130.9 against 135.0.
    const [result] = aggregate(configs, [repeat(1, 140.6, 139.4, 1), repeat(2, 130.9, 135, 2)], 'p');
    expect(result).toMatchObject({ latencyBudgetBasis: 'measured', budgetReplans: 3, overBudgetRepetitions: 1 });
    // The mean latency (135.75 ms) is held to the mean budget (137.2 ms), not to the first one's.
    expect(result!.latencyBudgetMs).toBeCloseTo(137.2, 6);
    expect(budgetVerdicts([result!])[0]).toMatch(/budget 137\.2 ms \(from the fastest whole model measured\), measured 135\.8 ms: no whole-model placement met the budget; 1 of 2 repetitions over its own budget$/);
  });
});
