import { describe, expect, it } from 'vitest';
import { reproducePaper } from '../../../src/plan/paper-reproduction';
import { PAPER_MODES, choosePaperNode, paperWeightsProblem, scorePaperNode, sweepPaperWeights } from '../../../src/plan/paper-policy';
import { PAPER_GREEN_INFERENCES_PER_GRAM } from '../../../src/plan/paper-scenario';
import { seededRandom } from '../../../src/util/seeded-random';

const repro = reproducePaper();
const paper = repro.accountings.find((a) => a.accounting === 'paper')!;
const strict = repro.accountings.find((a) => a.accounting === 'strict')!;
const rowOf = (a: typeof paper, config: string) => a.paperRows.find((r) => r.config === config)!;

describe('paper reproduction under the paper accounting', () => {
  it('gives monolithic 189.5 inferences/g (the calibration) within 2%', () => {
    expect(Math.abs(paper.monolithic.inferencesPerGram / 189.5 - 1)).toBeLessThan(0.02);
  });

  it('gives Green 245.8 inferences/g within 2% and a 22.9% +- 1 point reduction', () => {
    const green = rowOf(paper, 'CE-Green');
    expect(Math.abs(green.inferencesPerGram / PAPER_GREEN_INFERENCES_PER_GRAM - 1)).toBeLessThan(0.02);
    expect(Math.abs(-green.changeVsMonolithic - 0.229)).toBeLessThanOrEqual(0.01);
  });

  it('routes Performance and Balanced to Node-High and Green to Node-Green (Table V)', () => {
    expect(rowOf(paper, 'CE-Performance').nodeUsage!['node-high']).toBe(1);
    expect(rowOf(paper, 'CE-Balanced').nodeUsage!['node-high']).toBe(1);
    expect(rowOf(paper, 'CE-Green').nodeUsage!['node-green']).toBe(1);
  });

  it('switches from Node-High to Node-Green at wC in 0.45-0.55', () => {
    expect(repro.switchFrom).toBe('node-high');
    expect(repro.switchTo).toBe('node-green');
    expect(repro.switchCarbonWeight).toBeGreaterThanOrEqual(0.45);
    expect(repro.switchCarbonWeight).toBeLessThanOrEqual(0.55);
  });

  it('shows score spreads like the paper (S_C ~0.054, S_P ~0.166)', () => {
    expect(repro.spreads.carbon).toBeGreaterThan(0.045);
    expect(repro.spreads.carbon).toBeLessThan(0.065);
    expect(repro.spreads.performance).toBeGreaterThan(0.14);
    expect(repro.spreads.performance).toBeLessThan(0.2);
  });
});

describe('our Pareto front against the paper modes', () => {
  it.each([['paper', paper], ['strict', strict]] as const)('dominates every paper mode under the %s accounting', (_name, a) => {
    for (const r of a.paperRows) {
      const dominating = a.front.some((p) => p.latencyMs <= r.latencyMs * (1 + 1e-9) && p.gramsCo2 <= r.gramsCo2PerInference * (1 + 1e-9));
      expect(dominating, r.config).toBe(true);
    }
    for (const r of [...a.paperRows, ...a.ourRows, a.monolithic]) {
      expect(Number.isFinite(r.latencyMs) && Number.isFinite(r.gramsCo2PerInference)).toBe(true);
    }
  });
});

describe('paper policy scoring', () => {
  const base = { id: 'n', cpuAvailable: 1, memoryAvailableMb: 1024, gramsCo2PerKwh: 500, scoringPowerWatts: 4.5, executionTimesMs: [] as number[], taskCount: 0 };

  it('uses S_P = 0.5 without history and S_B = 1/(1 + 2 tasks)', () => {
    const s = scorePaperNode({ ...base, taskCount: 2 }, PAPER_MODES.performance);
    expect(s.performance).toBe(0.5);
    expect(s.balance).toBeCloseTo(0.2, 12);
    expect(s.resource).toBe(1);
    expect(s.carbon).toBe(1);
  });

  it('computes S_C = 1/(1 + I x P x T / 3.6e6) and load from the last 5 times', () => {
    const s = scorePaperNode({ ...base, executionTimesMs: [9999, 200, 200, 200, 200, 200] }, PAPER_MODES.green);
    expect(s.carbon).toBeCloseTo(1 / (1 + (500 * 4.5 * 200) / 3.6e6), 12);
    expect(s.load).toBeCloseTo(1 - 0.2 / 100, 12);
    expect(s.performance).toBeCloseTo(1 / 1.2, 12);
  });

  it('skips a node whose load exceeds 0.8 and returns -1 when all are skipped', () => {
    const busy = { ...base, executionTimesMs: [90_000] };
    const { index, scores } = choosePaperNode([busy], PAPER_MODES.balanced, seededRandom(1));
    expect(index).toBe(-1);
    expect(scores[0]!.skipped).toMatch(/load 0.900 > 0.8/);
  });

  it('rejects negative weights and weights not summing to 1', () => {
    expect(paperWeightsProblem({ ...PAPER_MODES.green, carbon: -0.1 })).toMatch(/carbon must be a finite number >= 0/);
    expect(paperWeightsProblem({ ...PAPER_MODES.green, carbon: 0.6 })).toMatch(/sum to 1, got 1.1/);
    expect(paperWeightsProblem(sweepPaperWeights(0.37))).toBeUndefined();
  });
});
