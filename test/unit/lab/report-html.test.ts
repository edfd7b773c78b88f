/** The report's plots follow issue 14's readability fixes; each test fails on the old report. */
import { describe, expect, it } from 'vitest';
import { carbonHeadline, fitScale, intensityFill, intensityLabel, placeLabel, renderReport, scatterPlot, sweepPlot, ticks, usagePlot } from '../../../src/lab/report-html';
import type { ConfigurationResult, ExperimentResults } from '../../../src/lab/results';
import { estimate } from '../../../src/lab/stats';

const config = (label: string, kind: ConfigurationResult['kind'], ms: number[], grams: number[], usage: Record<string, number>, extra: Partial<ConfigurationResult> = {}): ConfigurationResult => ({
  label, kind, placement: `[0,100)@${Object.keys(usage)[0]}`,
  latencyMs: estimate(ms), throughputPerSecond: estimate(ms.map((m) => 1000 / m)), energyJoulesPerInference: estimate([0.2, 0.21]),
  gramsCo2PerInference: estimate(grams), inferencesPerGramCo2: estimate(grams.map((g) => 1 / g)), reductionVsMonolithic: estimate(grams.map((g) => 1 - g / 3e-5)),
  planningMsPerRequest: estimate([0.01, 0.02]), nodeUsage: usage, failed: 0, errors: [], ...extra,
});

const W = 680;
const M = { left: 78, right: 70, top: 24, bottom: 52 };
const H = 380;
const attrs = (tag: string) => Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));

describe('report plots', () => {
  it('fits the latency axis to the means: a wide 95% whisker is clipped at the plot edge, never below 0', () => {
    const configs = [
      config('a', 'planner', [80, 82], [2e-5, 2.1e-5], { A: 1 }),
      config('b', 'planner', [150, 1250, 20], [2e-5, 2.2e-5, 1e-6], { A: 1 }), // whisker to ~1,500 ms and below 0
      config('c', 'planner', [220, 221], [2.5e-5, 2.6e-5], { A: 1 }),
    ];
    expect(fitScale(configs.map((c) => c.latencyMs.mean)).max).toBeLessThan(600);
    const plot = scatterPlot(configs);
    const lines = [...plot.matchAll(/<line data-whisker="[^"]+"[^>]*>/g)].map((m) => attrs(m[0]));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      for (const x of [l.x1, l.x2]) expect(Number(x)).toBeLessThanOrEqual(W - M.right + 1e-9);
      for (const x of [l.x1, l.x2]) expect(Number(x)).toBeGreaterThanOrEqual(M.left - 1e-9);
      for (const y of [l.y1, l.y2]) expect(Number(y)).toBeLessThanOrEqual(H - M.bottom + 1e-9);
    }
  });

  it('uses a log axis where values span decades, with readable tick labels (no e-notation)', () => {
    const configs = [
      config('performance', 'planner', [80, 81], [9e-4, 9.1e-4], { A: 1 }),
      config('green', 'planner', [300, 301], [1e-5, 1.1e-5], { B: 1 }),
    ];
    expect(fitScale(configs.map((c) => c.gramsCo2PerInference.mean)).kind).toBe('log');
    const plot = scatterPlot(configs);
    expect(plot).toContain('gCO2 per inference, ug (log scale)');
    expect(plot).not.toMatch(/>[^<]*\de[-+]\d/);
    expect(ticks({ kind: 'log', min: 8e-6, max: 1.2e-3 })).toEqual([1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3]);
    expect(ticks({ kind: 'log', min: 8e-7, max: 1.2e-3 })).toEqual([1e-6, 1e-5, 1e-4, 1e-3]);
    expect(ticks({ kind: 'linear', min: 0, max: 234 })).toEqual([0, 50, 100, 150, 200]);
  });

  it('places labels inside the plot without overlapping ("split3-green" is not clipped)', () => {
    const taken: { x: number; y: number; w: number; h: number }[] = [];
    const edge = placeLabel('split3-green', W - M.right - 2, 100, taken);
    expect(edge.anchor).toBe('end');
    // five labels around one crowded spot
    for (let i = 0; i < 5; i++) placeLabel(`config-${i}`, 300 + i, 200, taken);
    for (let i = 0; i < taken.length; i++) {
      const a = taken[i]!;
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.x + a.w).toBeLessThanOrEqual(W);
      for (let k = i + 1; k < taken.length; k++) {
        const b = taken[k]!;
        expect(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h, `labels ${i} and ${k} overlap`).toBe(false);
      }
    }
  });

  it('draws the latency axis its legend names, and joins sweep points that share a placement with a flat bar, not a trend', () => {
    const same = '[0,100)@A';
    const configs = [0, 0.25, 0.5].map((w, i) => config(`sweep wC=${w}`, 'sweep', [100 + i * 7, 101 + i * 7], [3e-5 + i * 1e-6, 3.1e-5 + i * 1e-6], { A: 1 }, { carbonWeight: w, placement: same }))
      .concat([config('sweep wC=1.00', 'sweep', [200, 201], [1e-5, 1.1e-5], { B: 1 }, { carbonWeight: 1, placement: '[0,100)@B' })]);
    const plot = sweepPlot(configs);
    expect(plot).toContain('data-axis="latency"');
    expect(plot).toContain('latency per inference, ms (blue squares');
    expect(plot).not.toContain('<polyline');
    expect((plot.match(/data-series="same-placement"/g) ?? []).length).toBe(1);
  });

  it('colours usage bars by the node\'s grid intensity, and reads a configured intensity as "configured"', () => {
    const nodes = [{ name: 'Node-Green', gramsCo2PerKwh: 380 }, { name: 'Node-High', gramsCo2PerKwh: 620 }];
    const plot = usagePlot([config('x', 'planner', [1, 1], [1, 1], { 'Node-Green': 0.5, 'Node-High': 0.5 })], nodes);
    const fill = (name: string) => attrs(plot.match(new RegExp(`<rect data-bar="x:${name}"[^>]*>`))![0]).fill!;
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const [gr, gg] = rgb(fill('Node-Green'));
    const [hr, hg] = rgb(fill('Node-High'));
    expect(gg! - gr!).toBeGreaterThan(hg! - hr!); // greener
    expect(hr!).toBeGreaterThan(hg! * 2); // red
    expect(intensityFill(50)).toBe('#2e7d32');
    expect(intensityLabel('configured WORLD')).toBe('configured');
    expect(intensityLabel('bundled-ember FR')).toBe('bundled-ember FR');
  });
});

describe('report headline', () => {
  const base = (configurations: ConfigurationResult[]): ExperimentResults => ({
    format: 'carbonedge-lab/1', scenario: 's', method: 'browsers', model: 'tinycnn', inferences: 10, repetitions: 2, monolithic: 'monolithic@B',
    startedAt: '2026-01-01T00:00:00.000Z', durationMs: 1, environment: {},
    nodes: [
      { nodeId: 'a', name: 'A', state: 'ready', simulated: true, slowdown: 1, flopsPerSecond: 1e9, gramsCo2PerKwh: 620, intensitySource: 'configured WORLD', powerLabel: 'configured' },
      { nodeId: 'b', name: 'B', state: 'ready', simulated: true, slowdown: 1, flopsPerSecond: 1e9, gramsCo2PerKwh: 380, intensitySource: 'configured WORLD', powerLabel: 'configured' },
    ],
    configurations, requests: [], runs: [], notes: [],
  });

  it('never calls a split that emitted more than the reference the lowest-carbon one', () => {
    const r = base([
      config('monolithic@B', 'monolithic', [100, 101], [1e-5, 1.02e-5], { B: 1 }, { placement: '[0,100)@B' }),
      config('split3-green', 'split', [150, 152], [2.61e-5, 2.62e-5], { A: 0.5, B: 0.5 }, { placement: '[0,50)@A > [50,100)@B' }),
    ]);
    const lines = carbonHeadline(r);
    expect(lines[0]).toBe('lowest-carbon configuration: monolithic@B (10.1 ugCO2 per inference)');
    expect(lines[1]).toMatch(/^our best: split3-green, 158\.9% more carbon than monolithic@B$/);
    const html = renderReport(r);
    expect(html).toContain('data-section="headline"');
    expect(html).not.toContain('configured WORLD');
    expect(html).toContain('620 (configured)');
    expect(html).not.toMatch(/\d\.\d+e[-+]\d/);
  });

  it('shows each configuration\'s predictions, before and after the warm-up, next to what was measured', () => {
    const r = base([
      config('monolithic@B', 'monolithic', [100, 100], [1e-5, 1e-5], { B: 1 }, {
        predicted: { latencyMs: 50, throughputPerSecond: 20, energyJoules: 0.1, gramsCo2: 1e-5 },
        predictedCalibrated: { latencyMs: 110, throughputPerSecond: 9, energyJoules: 0.1, gramsCo2: 1e-5 },
      }),
      config('split3-green', 'split', [150, 150], [2e-5, 2e-5], { A: 0.5, B: 0.5 }),
    ]);
    const html = renderReport(r);
    expect(html).toContain('data-section="predictions"');
    const row = /<tr data-configuration="monolithic@B">(.*?)<\/tr>/.exec(html)![1]!;
    const cells = [...row.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
    // latency: 50 before, 110 after, 100 measured; req/s: 20, 9, 10 measured.
    expect(cells).toEqual(['monolithic@B', '50.0', '110.0', '100.0', '-50.0%', '+10.0%', '20.00', '9.00', '10.00', '+100.0%', '-10.0%']);
    // A configuration without a prediction gets no row.
    expect(html).not.toContain('data-configuration="split3-green"');
  });

  it('shows each slice\'s prediction before and after the warm-up next to its measured median wall, and the slices together', () => {
    const r = base([
      config('split2', 'split', [150, 150], [2e-5, 2e-5], { A: 0.5, B: 0.5 }, {
        predicted: { latencyMs: 50, throughputPerSecond: 20, energyJoules: 0.1, gramsCo2: 1e-5 },
        slicePredictions: [
          { node: 'A', slice: '[0,40)@wasm', basePredictedMs: 10, calibratedMs: 30, measuredMs: 20, executions: 60, calibratedFrom: 6 },
          { node: 'B', slice: '[40,100)@wasm', basePredictedMs: 20, calibratedMs: 20, measuredMs: 40, executions: 60, calibratedFrom: 6 },
        ],
      }),
      config('monolithic@B', 'monolithic', [100, 100], [1e-5, 1e-5], { B: 1 }),
    ]);
    const html = renderReport(r);
    expect(html).toContain('data-section="slice-predictions"');
    const cells = (slice: string) => [...new RegExp(`<tr data-configuration="split2" data-slice="${slice.replace(/[[\]()]/g, '\\$&')}">(.*?)</tr>`).exec(html)![1]!.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(cells('[0,40)@wasm')).toEqual(['split2', 'A', '[0,40)@wasm', '10.0', '30.0', '20.0 (60)', '-50.0%', '+50.0%']);
    expect(cells('[40,100)@wasm')).toEqual(['split2', 'B', '[40,100)@wasm', '20.0', '20.0', '40.0 (60)', '-50.0%', '-50.0%']);
    // Together: 30 before, 50 after, 60 measured: each slice 50% off, their sum 16.7%.
    expect(cells('all')).toEqual(['split2', '', 'all slices together', '30.0', '50.0', '60.0', '-50.0%', '-16.7%']);
    // A configuration without per-slice figures gets no rows.
    expect(html).not.toContain('data-configuration="monolithic@B" data-slice');
    expect(renderReport(base([config('monolithic@B', 'monolithic', [100, 100], [1e-5, 1e-5], { B: 1 })]))).not.toContain('slice-predictions');
  });

  it('judges a budgeted configuration against the cleanest whole model that met the same budget', () => {
    const r = base([
      config('monolithic@A', 'monolithic', [70, 70], [4e-5, 4e-5], { A: 1 }, { placement: '[0,100)@A' }),
      config('monolithic@B', 'monolithic', [280, 280], [2e-6, 2e-6], { B: 1 }, { placement: '[0,100)@B' }),
      config('green<=2x', 'planner', [130, 130], [2.4e-5, 2.4e-5], { A: 0.5, B: 0.5 }, { placement: '[0,30)@B > [30,100)@A', latencyBudgetMs: 140 }),
      config('late', 'planner', [150, 150], [1e-5, 1e-5], { A: 0.5, B: 0.5 }, { placement: '[0,40)@B > [40,100)@A', latencyBudgetMs: 140 }),
    ]);
    const html = renderReport(r);
    expect(html).toContain('green&lt;=2x (a split, [0,30)@B &gt; [30,100)@A): budget 140.0 ms, measured 130.0 ms: 40.0% less carbon than the cleanest whole model within it (monolithic@A, 70.0 ms)');
    expect(html).toContain('late (a split, [0,40)@B &gt; [40,100)@A): budget 140.0 ms, measured 150.0 ms: over its budget');
  });

  it('compares replicated pipelines with the sum of what their nodes did alone', () => {
    const r = base([
      config('monolithic@A', 'monolithic', [250, 250], [1e-5, 1e-5], { A: 1 }, { placement: '[0,100)@A' }),
      config('monolithic@B', 'monolithic', [500, 500], [1e-5, 1e-5], { B: 1 }, { placement: '[0,100)@B' }),
      config('planner-performance', 'planner', [200, 200], [1e-5, 1e-5], { A: 0.6, B: 0.4 }, { placement: '[0,100)@A | [0,100)@B' }),
    ]);
    // Alone: 4/s and 2/s; replicated: 5/s.
    expect(renderReport(r)).toContain('planner-performance (2 nodes, 2 pipelines): 5.00/s = 0.83x the 6.00/s its nodes reached alone');
  });

  it('says "not clearly different" when intervals overlap and "same placement" for the same work', () => {
    const r = base([
      config('monolithic@B', 'monolithic', [100, 101], [1e-5, 2e-5], { B: 1 }, { placement: '[0,100)@B' }),
      config('planner-green', 'planner', [100, 101], [1.2e-5, 1.4e-5], { B: 1 }, { placement: '[0,100)@A' }),
      config('paper-green', 'paper', [100, 101], [1.3e-5, 1.5e-5], { A: 1 }, { placement: '[0,100)@A' }),
    ]);
    const lines = carbonHeadline(r);
    expect(lines[0]).toMatch(/^lowest-carbon configuration: planner-green/);
    expect(lines.join('\n')).toContain('not clearly different');
    expect(lines.join('\n')).toContain('same placement as paper-green: the same work');
  });
});
