import { describe, expect, it } from 'vitest';
import { renderReport } from '../../../src/lab/report-html';
import type { ConfigurationResult, ExperimentResults } from '../../../src/lab/results';
import { estimate } from '../../../src/lab/stats';
import { headline, predictionTable, tableFive, tableTwo } from '../../../src/lab/tables';
import { configurationsCsv, ledgerCsv } from '../../../src/lab/write-results';
import { LEDGER_COLUMNS } from '../../../src/carbon/ledger-export';

const config = (label: string, kind: ConfigurationResult['kind'], ms: number[], grams: number[], usage: Record<string, number>, carbonWeight?: number): ConfigurationResult => ({
  label,
  kind,
  ...(carbonWeight !== undefined ? { carbonWeight } : {}),
  placement: `[0,100)@${Object.keys(usage)[0]}`,
  latencyMs: estimate(ms),
  throughputPerSecond: estimate(ms.map((m) => 1000 / m)),
  energyJoulesPerInference: estimate([0.2, 0.21]),
  gramsCo2PerInference: estimate(grams),
  inferencesPerGramCo2: estimate(grams.map((g) => 1 / g)),
  reductionVsMonolithic: estimate(grams.map((g) => 1 - g / 3e-5)),
  planningMsPerRequest: estimate([0.01, 0.02]),
  nodeUsage: usage,
  failed: 0,
  errors: [],
});

const results: ExperimentResults = {
  format: 'carbonedge-lab/1',
  scenario: 'unit <test>',
  method: 'browsers',
  model: 'tinycnn',
  inferences: 10,
  repetitions: 2,
  monolithic: 'monolithic@B',
  startedAt: '2026-01-01T00:00:00.000Z',
  durationMs: 1000,
  environment: { cpus: 2 },
  nodes: [
    { nodeId: 'a', name: 'A', state: 'ready', simulated: true, slowdown: 1, flopsPerSecond: 1e9, gramsCo2PerKwh: 620, intensitySource: 'configured', powerLabel: 'configured' },
    { nodeId: 'b', name: 'B', state: 'ready', simulated: true, slowdown: 2, flopsPerSecond: 5e8, gramsCo2PerKwh: 380, intensitySource: 'configured', powerLabel: 'configured' },
  ],
  configurations: [
    config('monolithic@B', 'monolithic', [100, 104], [3e-5, 3.1e-5], { B: 1 }),
    config('paper-green', 'paper', [101, 99], [2.9e-5, 3e-5], { B: 1 }),
    config('planner-green', 'planner', [60, 62], [1.8e-5, 1.9e-5], { A: 0.4, B: 0.6 }),
    config('sweep wC=0.00', 'sweep', [50, 52], [4e-5, 4.1e-5], { A: 1 }, 0),
    config('sweep wC=1.00', 'sweep', [100, 101], [2e-5, 2.1e-5], { B: 1 }, 1),
  ],
  requests: [],
  runs: [],
  notes: ['Power figures are estimates.'],
};

describe('lab report', () => {
  it('is one self-contained HTML file with the three plots drawn as inline SVG', () => {
    const html = renderReport(results);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('unit &lt;test&gt;');
    expect(html).toContain('Power figures are estimates');
    expect((html.match(/data-point="/g) ?? []).length).toBe(5);
    expect(html).toContain('data-series="pareto"');
    expect(html).toContain('data-series="grams"');
    expect((html.match(/data-bar="/g) ?? []).length).toBe(6);
  });

  it("prints tables shaped like the paper's Tables II and V, and a headline against monolithic and paper-green", () => {
    const two = tableTwo(results).join('\n');
    expect(two).toContain('monolithic@B');
    expect(two).toContain('(reference)');
    expect(two).toMatch(/planner-green\s+61\.0 ±12\.7/);
    expect(two).toContain('less');
    const five = tableFive(results).join('\n');
    expect(five).toMatch(/planner-green\s+40%\s+60%/);
    expect(headline(results)[0]).toContain('planner-green');
  });

  it('prints every configuration\'s predicted latency next to the measured one, before and after the warm-up, and the largest error after it', () => {
    const predicted = (latencyMs: number) => ({ latencyMs, throughputPerSecond: 1000 / latencyMs, energyJoules: 0.2, gramsCo2: 3e-5 });
    const withPredictions: ExperimentResults = {
      ...results,
      configurations: results.configurations.map((c, k) => ({ ...c, predicted: predicted(c.latencyMs.mean * 1.3), ...(k === 2 ? { predictedCalibrated: predicted(c.latencyMs.mean * 0.88) } : k > 2 ? { predictedCalibrated: predicted(c.latencyMs.mean * 1.05) } : {}) })),
    };
    const lines = predictionTable(withPredictions);
    expect(lines.find((l) => l.startsWith('planner-green'))).toMatch(/planner-green\s+79\.3\s+53\.7\s+61\.0\s+\+30\.0%\s+-12\.0%$/);
    expect(lines.find((l) => l.startsWith('monolithic@B'))).toMatch(/\s+-\s+102\.0\s+\+30\.0%\s+-$/);
    expect(lines.at(-1)).toBe('largest |error| after the warm-up: -12.0% (planner-green; goal within 15%)');
    expect(predictionTable({ ...withPredictions, method: 'simulate' })).toEqual([]);
    expect(predictionTable(results)).toEqual([]);
    // With per-slice figures (browser runs): their median |error| after the warm-up, over all configurations.
    const slice = (calibratedMs: number) => ({ node: 'A', slice: '[0,100)@wasm', basePredictedMs: 10, calibratedMs, measuredMs: 100, executions: 50, calibratedFrom: 9 });
    const withSlices: ExperimentResults = {
      ...withPredictions,
      configurations: withPredictions.configurations.map((c, k) => (k === 0 ? { ...c, slicePredictions: [slice(105), slice(80)] } : k === 1 ? { ...c, slicePredictions: [slice(92)] } : c)),
    };
    // |errors| 5, 20 and 8%: median 8%, 2 of 3 within 10%.
    expect(predictionTable(withSlices).at(-1)).toBe('per slice after the warm-up: median |error| 8.0% over 3 slices, 2 within 10% (goal 10%; each in report.html)');
  });

  it('writes CSVs with every ledger provenance column', () => {
    expect(configurationsCsv(results).split('\r\n')[0]).toContain('gramsCo2PerInferenceLow95');
    const header = ledgerCsv(results).split('\r\n')[0]!;
    expect(header).toBe(`configuration,repeat,${LEDGER_COLUMNS.join(',')}`);
  });
});
