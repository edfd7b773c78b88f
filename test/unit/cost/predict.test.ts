import { describe, expect, it } from 'vitest';
import { equivalentFlopsPerSecond, predictSlice, predictSliceMs } from '../../../src/cost/predict';
import { geometricCentre, robustSummary, median } from '../../../src/cost/robust-stats';
import type { PlanModel } from '../../../src/plan/plan-model';
import type { BackendCost } from '../../../src/plan/plan-types';

const cost: BackendCost = {
  fixedMsPerRun: 0.5,
  flopsPerSecondByOpClass: { conv: 10e9, depthwise: 2e9, matmul: 20e9, elementwise: 1e9, memory: 0.5e9 },
  label: 'measured',
};
const model: PlanModel = {
  name: 'toy',
  nodeCount: 5,
  nodeFlops: [100e6, 4e6, 1e6, 200e6, 0],
  nodeWeightBytes: [0, 0, 0, 0, 0],
  cutCrossingBytes: [1, 1, 1, 1, 1, 1],
  nodeOpClass: ['conv', 'depthwise', 'elementwise', 'matmul', 'memory'],
};

describe('predictSlice', () => {
  it('is fixedMsPerRun + sum of FLOPs / rate of each node\'s class', () => {
    const p = predictSlice(cost, model, [0, 5]);
    expect(p.byClassMs).toEqual({ conv: 10, depthwise: 2, elementwise: 1, matmul: 10, memory: 0 });
    expect(p.computeMs).toBeCloseTo(0.5 + 23, 9);
    expect(p.flops).toBe(305e6);
    expect(predictSliceMs(cost, model, [1, 3])).toBeCloseTo(0.5 + 2 + 1, 9);
  });

  it('gives one equivalent FLOP/s figure for a model (its FLOPs over the predicted time)', () => {
    expect(equivalentFlopsPerSecond(cost, model)).toBeCloseTo(305e6 / 0.0235, 0);
  });

  it('refuses bad ranges, models without op classes and non-positive rates, saying which', () => {
    expect(() => predictSlice(cost, model, [3, 3])).toThrow(/slice \[3, 3\) is not a non-empty range inside \[0, 5\)/);
    expect(() => predictSlice(cost, model, [0, 6])).toThrow(/\[0, 6\)/);
    expect(() => predictSlice(cost, { ...model, nodeOpClass: undefined }, [0, 1])).toThrow(/model "toy" has no nodeOpClass/);
    expect(() => predictSlice(cost, { ...model, nodeOpClass: ['conv'] }, [0, 1])).toThrow(/nodeOpClass has length 1, expected 5/);
    expect(() => predictSlice({ ...cost, flopsPerSecondByOpClass: { ...cost.flopsPerSecondByOpClass, matmul: 0 } }, model, [0, 1])).toThrow(/rate of matmul must be a finite FLOP\/s > 0, got 0/);
  });
});

describe('robustSummary', () => {
  it('drops a minority of slow samples and keeps the median of the rest', () => {
    const r = robustSummary([10, 10.2, 9.9, 10.1, 55, 10, 9.8, 40]);
    expect(r.discarded).toBe(2);
    expect(r.median).toBeCloseTo(10, 6);
    expect(r.spread).toBeLessThan(0.02);
    expect(median([3, 1, 2, 4])).toBe(2.5);
    expect(() => robustSummary([1, -1])).toThrow(/timing sample -1/);
    expect(() => median([])).toThrow(/empty/);
  });
});

describe('geometricCentre', () => {
  it('is the geometric mean of samples without outliers', () => {
    expect(geometricCentre([10, 40])).toBeCloseTo(20, 9);
    expect(geometricCentre([2, 8, 4])).toBeCloseTo(4, 9);
    expect(geometricCentre([7])).toBe(7);
  });

  it('clips a log further than 3 scaled MADs from the median to that bound', () => {
    const samples = [10, 11, 9, 10.5, 9.5, 1000];
    const logs = samples.map(Math.log);
    const m = median(logs);
    const bound = m + 3 * 1.4826 * median(logs.map((x) => Math.abs(x - m)));
    const expected = Math.exp((logs.slice(0, 5).reduce((a, b) => a + b, 0) + bound) / 6);
    expect(geometricCentre(samples)).toBeCloseTo(expected, 9);
    // The plain geometric mean would be ~21.6: the spike moves the centre only to the bound.
    expect(geometricCentre(samples)).toBeLessThan(11);
  });

  it('refuses an empty list and samples that are not positive and finite', () => {
    expect(() => geometricCentre([])).toThrow(/empty/);
    expect(() => geometricCentre([1, 0])).toThrow(/sample 0/);
    expect(() => geometricCentre([1, Infinity])).toThrow(/sample Infinity/);
  });
});
