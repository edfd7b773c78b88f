import { describe, expect, it } from 'vitest';
import { axisBounds, axisScale, compareInputsFromRuns, compareRows } from '../../../src/ui/compare-modes';

const input = (label: string, latencyMs: number[], grams: number[]) => ({ label, latencyMs, gramsCo2PerInference: grams, energyJoulesPerInference: grams.map((g) => g * 1e4), placement: `[0,100)@${label}` });

describe('compare modes', () => {
  it('marks the Pareto front of latency and gCO2 per inference', () => {
    const rows = compareRows([
      input('performance', [80, 82], [9e-4, 9.2e-4]),
      input('balanced', [120, 118], [4e-4, 4.1e-4]),
      input('green', [300, 310], [1e-5, 1.1e-5]),
      input('split3', [200, 210], [5e-4, 5.2e-4]), // slower and dirtier than balanced
    ]);
    expect(rows.map((r) => [r.label, r.onFront])).toEqual([['performance', true], ['balanced', true], ['green', true], ['split3', false]]);
    expect(rows[0]!.repeats).toBe(2);
    expect(rows[0]!.latencyMs.mean).toBe(81);
    // t(0.975, 1) = 12.706; s = sqrt(2); half = 12.706 x sqrt(2) / sqrt(2)
    expect(rows[0]!.latencyMs.high! - rows[0]!.latencyMs.mean).toBeCloseTo(12.706, 9);
  });

  it('has no interval with one repeat, and refuses inconsistent input', () => {
    const [row] = compareRows([input('once', [100], [1e-4])]);
    expect(row!.latencyMs.low).toBeNull();
    expect(row!.onFront).toBe(true);
    expect(() => compareRows([input('a', [1], [1]), input('a', [2], [2])])).toThrow('configuration "a" is listed twice');
    expect(() => compareRows([{ ...input('b', [1, 2], [1]), energyJoulesPerInference: [1] }])).toThrow('configuration "b": 2 latencies, 1 gram figures and 1 energy figures; one of each per repeat');
  });

  it('uses a log axis when values span a decade, and keeps whiskers from stretching the axis', () => {
    expect(axisScale([1e-5, 4e-4, 9e-4])).toBe('logarithmic');
    expect(axisScale([80, 220])).toBe('linear');
    expect(axisScale([0, 10, 100])).toBe('linear'); // a zero cannot be drawn on a log axis
    const lin = axisBounds([80, 220], 'linear');
    expect(lin.min).toBeCloseTo(66, 9);
    expect(lin.max).toBeCloseTo(234, 9);
    expect(axisBounds([1e-5, 1e-3], 'logarithmic')).toEqual({ min: 1e-5 / 1.25, max: 1e-3 * 1.25 });
    expect(axisBounds([0.5, 1], 'linear').min).toBeGreaterThanOrEqual(0);
  });
});

describe('compare inputs from kept runs', () => {
  it('groups runs by configuration label into repeats whose figures are the ledger totals', async () => {
    const { makeRun } = await import('../history/fixtures');
    const { runTotals } = await import('../../../src/history/run-totals');
    const label = (run: ReturnType<typeof makeRun>, l: string) => ({ ...run, configuration: { ...run.configuration, label: l } });
    const runs = [label(makeRun({ id: 'g1' }), 'green'), label(makeRun({ id: 'p1', scale: 2 }), 'performance'), label(makeRun({ id: 'g2', scale: 1.5 }), 'green')];
    const inputs = compareInputsFromRuns(runs);
    expect(inputs.map((i) => [i.label, i.runIds])).toEqual([['green', ['g1', 'g2']], ['performance', ['p1']]]);
    expect(inputs[0]!.gramsCo2PerInference).toEqual([runTotals(runs[0]!).gramsCo2PerInference, runTotals(runs[2]!).gramsCo2PerInference]);
    expect(inputs[0]!.placement).toBe('[0,40)@Laptop, "A" > [40,100)@Phone-B');
    const rows = compareRows(inputs);
    expect(rows[0]!.repeats).toBe(2);
    expect(rows[0]!.gramsCo2PerInference.low).not.toBeNull();
  });

  it("puts each configuration's first-plan predictions next to what was measured of them, as the Run panel's plan check reads them", async () => {
    const { makeRun, PLAN } = await import('../history/fixtures');
    const { summariseRows } = await import('../../../src/carbon/ledger');
    const { latencyInFlightMs } = await import('../../../src/plan/queueing');
    const label = (run: ReturnType<typeof makeRun>, l: string) => ({ ...run, configuration: { ...run.configuration, label: l } });
    const g2 = label(makeRun({ id: 'g2', scale: 1.5 }), 'green');
    const runs = [label(makeRun({ id: 'g1' }), 'green'), { ...g2, configuration: { ...g2.configuration, window: 6 } }, { ...label(makeRun({ id: 'p1' }), 'performance'), plan: null }];
    const inputs = compareInputsFromRuns(runs);
    // Latency at the run's requests in flight (3 by default; 6 queue behind a 20/s pipeline: 300 ms)
    // against the mean of the completed requests.
    const latency = latencyInFlightMs(PLAN.prediction, 3, 1);
    expect(latency).toBe(150);
    expect(latencyInFlightMs(PLAN.prediction, 6, 1)).toBeCloseTo(300, 9);
    const perInference = (run: (typeof runs)[number]) => {
      const s = summariseRows(run.ledger.rows);
      return { energy: s.total.energyJoules / s.inferences, grams: s.total.operationalGramsCo2 / s.inferences };
    };
    const [m1, m2] = [perInference(runs[0]!), perInference(runs[1]!)];
    expect(inputs[0]!.planned).toEqual([
      { latencyMs: { predicted: latency, measured: 145 }, energyJoules: { predicted: 0.8, measured: m1.energy }, gramsCo2: { predicted: 1.18e-4, measured: m1.grams } },
      { latencyMs: { predicted: latencyInFlightMs(PLAN.prediction, 6, 1), measured: 217.5 }, energyJoules: { predicted: 0.8, measured: m2.energy }, gramsCo2: { predicted: 1.18e-4, measured: m2.grams } },
    ]);
    expect(inputs[1]!.planned).toEqual([null]);
    const [green, performance] = compareRows(inputs);
    const predicted = (150 + latencyInFlightMs(PLAN.prediction, 6, 1)) / 2;
    expect(green!.planned.latencyMs).toEqual({ predicted, measured: (145 + 217.5) / 2, error: predicted / ((145 + 217.5) / 2) - 1, repeats: 2 });
    expect(green!.planned.energyJoules!.measured).toBeCloseTo((m1.energy + m2.energy) / 2, 12);
    expect(green!.planned.gramsCo2!.error).toBeCloseTo(1.18e-4 / ((m1.grams + m2.grams) / 2) - 1, 12);
    expect(performance!.planned).toEqual({});
  });
});
