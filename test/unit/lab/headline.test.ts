import { describe, expect, it } from 'vitest';
import { headline } from '../../../src/lab/tables';
import type { ConfigurationResult, ExperimentResults } from '../../../src/lab/results';
import { estimate } from '../../../src/lab/stats';

const config = (label: string, kind: ConfigurationResult['kind'], placement: string, grams: number[]): ConfigurationResult => ({
  label, kind, placement,
  latencyMs: estimate([100, 102]),
  throughputPerSecond: estimate([10, 9.8]),
  energyJoulesPerInference: estimate([0.2, 0.21]),
  gramsCo2PerInference: estimate(grams),
  inferencesPerGramCo2: estimate(grams.map((g) => 1 / g)),
  reductionVsMonolithic: estimate(grams.map((g) => 1 - g / 3e-5)),
  planningMsPerRequest: estimate([0.01, 0.02]),
  nodeUsage: {},
  failed: 0,
  errors: [],
});

const results = (configurations: ConfigurationResult[]): ExperimentResults => ({
  format: 'carbonedge-lab/1', scenario: 'unit', method: 'browsers', model: 'tinycnn', inferences: 10, repetitions: 2, monolithic: 'monolithic@B',
  startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1000, environment: { cpus: 2 }, nodes: [], configurations, requests: [], runs: [], notes: [],
});

describe('terminal carbon headline', () => {
  it('never calls a split that emitted more than monolithic the lowest-carbon one', () => {
    // The split emits 161% more than monolithic: the headline names monolithic lowest and says "more".
    const lines = headline(results([config('monolithic@B', 'monolithic', '[0,100)@B', [3e-5, 3e-5]), config('split3-green', 'split', '[0,30)@A > [30,100)@B', [7.83e-5, 7.83e-5])]));
    expect(lines).toEqual([
      'lowest-carbon configuration: monolithic@B ([0,100)@B)',
      'our best: split3-green ([0,30)@A > [30,100)@B)',
      '  split3-green vs monolithic (monolithic@B): 161.0% more carbon, latency 101.0 vs 101.0 ms',
    ]);
  });

  it('names ours first when it is the lowest, and labels the same placement as noise', () => {
    const lines = headline(results([
      config('monolithic@B', 'monolithic', '[0,100)@B', [3e-5, 3.1e-5]),
      config('paper-green', 'paper', '[0,100)@B', [2.9e-5, 3e-5]),
      config('planner-green', 'planner', '[0,100)@B', [2.8e-5, 2.9e-5]),
    ]));
    expect(lines[0]).toBe('lowest-carbon configuration: planner-green ([0,100)@B)');
    expect(lines[1]).toMatch(/^ {2}planner-green vs monolithic \(monolithic@B\): same placement; 6\.6% less carbon, .* is run-to-run noise$/);
    expect(lines).toHaveLength(3);
  });
});
