/** planCheckRows (src/ui/plan-vs-run.ts): the plan's per-inference figures next to the run's. */
import { describe, expect, it } from 'vitest';
import { EndedRows, ResultPace, SliceCheck, planCheckRows } from '../../../src/ui/plan-vs-run';
import type { Placement } from '../../../src/plan/plan-types';
import { CarbonLedger, summariseRows, type LedgerSummary } from '../../../src/carbon/ledger';
import { scenarioReading } from '../../../src/carbon/configured-intensity';
import { configuredPowerModel } from '../../../src/carbon/power-model';

const prediction = { latencyMs: 150, throughputPerSecond: 10, energyJoules: 0.5, gramsCo2: 2e-4, transferMs: 5, transferBytes: 1000 };
const placement = { pipelines: [{ slices: [], hops: [], share: 1, prediction }], prediction } as unknown as Placement;
const totals = (energyJoules: number, operationalGramsCo2: number) => ({ energyJoules, operationalGramsCo2, embodiedGramsCo2: 0, gramsCo2: operationalGramsCo2 });

describe('planCheckRows', () => {
  it('compares latency and throughput at the run\'s requests in flight, and energy and grams per inference from the ledger', () => {
    const summary = { inferences: 20, total: totals(12, 4e-3), bySlice: { slice0: totals(12, 4e-3) } } as unknown as LedgerSummary;
    const pace = new ResultPace();
    for (const at of [1000, 1100, 1250, 1400, 1500]) pace.note(at); // 4 results after the first in 500 ms
    const rows = planCheckRows(placement, { window: 3, ratePerSecond: 0 }, [250, 350], summary, pace);
    expect(rows.map((r) => [r.key, r.predicted, r.measured])).toEqual([
      ['latency', 300, 300], // 3 in flight at 10/s: 300 ms, not the idle pipeline's 150
      ['throughput', 10, 8],
      ['energy', 0.5, 0.6],
      ['grams', 2e-4, 2e-4],
    ]);
    expect(rows[0]!.error).toBe(0);
    expect(rows[1]!.error).toBeCloseTo(10 / 8 - 1, 12);
    expect(rows[2]!.error).toBeCloseTo(0.5 / 0.6 - 1, 12);
    expect(rows[0]!.label).toBe('latency (3 in flight per pipeline)');
    expect(rows[1]!.label).toBe('throughput (3 in flight per pipeline)');
  });

  it('uses the idle-pipeline latency and the asked rate for a paced run, and shows nothing measured before any result', () => {
    const rows = planCheckRows(placement, { window: 3, ratePerSecond: 2 }, [], undefined, new ResultPace());
    expect(rows.map((r) => [r.predicted, r.measured, r.error])).toEqual([[150, null, null], [2, null, null], [0.5, null, null], [2e-4, null, null]]);
    // A rate above what 3 in flight allow (3 x 1000 / 150 ms = 20/s) is predicted at that bound, under the plan's 10/s capacity.
    expect(planCheckRows(placement, { window: 3, ratePerSecond: 50 }, [], undefined)[1]!.predicted).toBe(10);
  });

  it('measures throughput from the first result, or from the moment of the calibrated check, never before it', () => {
    const whole = new ResultPace();
    expect(whole.perSecond()).toBeNull();
    whole.note(500);
    expect(whole.perSecond()).toBeNull(); // one result tells no rate
    whole.note(750);
    expect(whole.perSecond()).toBe(4);
    whole.note(Number.NaN);
    expect(whole.perSecond()).toBe(4);
    const since = new ResultPace(1000);
    since.note(900); // before the check: not counted
    expect(since.perSecond()).toBeNull();
    since.note(1200);
    since.note(1500);
    expect(since.perSecond()).toBe(4); // 2 results in the 500 ms since the check
  });

  it('keeps the audits\' re-runs out of the energy and grams the plan predicts, in a row of their own', () => {
    const summary = {
      inferences: 10,
      total: totals(9, 3e-3),
      bySlice: { slice0: totals(3, 1e-3), slice1: totals(4, 1.5e-3), 'audit:0': totals(0.8, 0.2e-3), 'audit:1': totals(1.2, 0.3e-3) },
    } as unknown as LedgerSummary;
    const rows = planCheckRows(placement, { window: 3, ratePerSecond: 0 }, [300], summary);
    expect(rows.map((r) => [r.key, r.predicted, r.measured])).toEqual([
      ['latency', 300, 300],
      ['throughput', 10, null],
      ['energy', 0.5, 0.7], // (9 - 2) J over 10 inferences
      ['grams', 2e-4, expect.closeTo(2.5e-4, 15)],
      ['audits', null, 0.2],
    ]);
    expect(rows[4]!.error).toBeNull();
    const none = { inferences: 10, total: totals(7, 2.5e-3), bySlice: { slice0: totals(7, 2.5e-3) } } as unknown as LedgerSummary;
    expect(planCheckRows(placement, { window: 3, ratePerSecond: 0 }, [300], none).map((r) => r.key)).toEqual(['latency', 'throughput', 'energy', 'grams']);
  });
});

describe('EndedRows', () => {
  const power = configuredPowerModel({ deviceClass: 'laptop', maxWatts: 10, idleWatts: 10 });
  const intensity = scenarioReading('node-green');
  const exec = (ledger: CarbonLedger, inferenceId: string, sliceId: string, wallMs: number) =>
    ledger.recordExecution({ inferenceId, nodeId: 'a', sliceId, busyMs: wallMs, wallMs, power, intensity, at: '2026-03-01T12:00:00.000Z' });

  it('counts an inference\'s rows once it has ended, then its late rows (audits) as they come, and never a skipped one\'s', () => {
    const ledger = new CarbonLedger({ embodied: { enabled: false } });
    exec(ledger, 'r0', 'slice0', 100);
    const check = new EndedRows(new Set(['r0']));
    exec(ledger, 'r1', 'slice0', 100);
    exec(ledger, 'r2', 'slice0', 100);
    exec(ledger, 'r1', 'slice1', 100);
    check.update(ledger, 'r1');
    // r2 is in flight with one of its two slices charged: not counted yet, so 2 J per inference, not 1.5.
    expect(check.summary()).toMatchObject({ inferences: 1, total: { energyJoules: 2 } });
    exec(ledger, 'r1', 'audit:0', 50); // audited after its result
    exec(ledger, 'r0', 'audit:0', 50); // a skipped inference's audit
    exec(ledger, 'r2', 'slice1', 100);
    check.update(ledger, 'r2');
    check.update(ledger, 'r2'); // an id ends once: nothing counted twice
    const summary = check.summary()!;
    expect(summary).toEqual(summariseRows(ledger.rows().filter((r) => r.inferenceId !== 'r0')));
    expect(summary.inferences).toBe(2);
    expect(summary.total.energyJoules).toBeCloseTo(4.5, 12);
    expect(new EndedRows().summary()).toBeUndefined();
  });
});

describe('SliceCheck', () => {
  const power = configuredPowerModel({ deviceClass: 'laptop', maxWatts: 10, idleWatts: 10 });
  const intensity = scenarioReading('node-green');
  const exec = (ledger: CarbonLedger, nodeId: string, sliceId: string, wallMs: number) =>
    ledger.recordExecution({ inferenceId: `r${ledger.rowCount}`, nodeId, sliceId, busyMs: wallMs, wallMs, power, intensity, at: '2026-03-01T12:00:00.000Z' });
  const slice = (nodeId: string, start: number, end: number, computeMs: number) => ({ nodeId, sliceRange: [start, end], backend: 'wasm', computeMs });
  const placed = (...pipelines: ReturnType<typeof slice>[][]) => ({ pipelines: pipelines.map((slices) => ({ slices, hops: [], share: 1 / pipelines.length, prediction })), prediction }) as unknown as Placement;

  it('compares each slice\'s prediction at the check with the median wall of its executions booked after it', () => {
    const ledger = new CarbonLedger({ embodied: { enabled: false } });
    // Before the check: the walls the calibration was fitted to never count.
    for (let i = 0; i < 10; i++) exec(ledger, 'a', 'slice0', 500);
    const deployed = placed([slice('a', 0, 27, 20), slice('b', 27, 100, 10)]);
    const check = new SliceCheck(deployed, placed([slice('a', 0, 27, 40), slice('b', 27, 100, 30)]), ledger.rowCount);
    expect([...check.rows().values()]).toEqual([
      { key: 'a|wasm|0|27', predictedMs: 40, measuredMs: undefined, executions: 0, error: undefined },
      { key: 'b|wasm|27|100', predictedMs: 30, measuredMs: undefined, executions: 0, error: undefined },
    ]);
    for (const wall of [30, 50, 45, 35, 1000]) exec(ledger, 'a', 'slice0', wall);
    for (const wall of [20, 25, 30]) exec(ledger, 'b', 'slice1', wall);
    exec(ledger, 'b', 'slice0', 1); // not b's slice: an execution reported by the wrong node counts nowhere
    exec(ledger, 'a', 'audit:0', 1); // an audit's re-run
    check.update(ledger);
    check.update(ledger); // each row is read once
    const rows = check.rows();
    const a = rows.get('a|wasm|0|27')!;
    expect(a.executions).toBe(5);
    expect(a.measuredMs).toBeCloseTo(45, 0); // the median, within the histogram's 0.25%
    expect(Math.abs(a.measuredMs! / 45 - 1)).toBeLessThan(0.0025);
    expect(a.error).toBeCloseTo(40 / a.measuredMs! - 1, 12);
    const b = rows.get('b|wasm|27|100')!;
    expect(b.executions).toBe(3);
    expect(Math.abs(b.measuredMs! / 25 - 1)).toBeLessThan(0.0025);
    expect(b.error!).toBeGreaterThan(0.19);
    expect(b.error!).toBeLessThan(0.21);
  });

  it('sums a pipeline\'s slices once each has run since the check, and only for one pipeline of several slices', () => {
    const ledger = new CarbonLedger({ embodied: { enabled: false } });
    const deployed = placed([slice('a', 0, 27, 20), slice('b', 27, 100, 10)]);
    const check = new SliceCheck(deployed, placed([slice('a', 0, 27, 40), slice('b', 27, 100, 30)]), 0);
    for (const wall of [30, 50, 70]) exec(ledger, 'a', 'slice0', wall);
    check.update(ledger);
    expect(check.together()).toBeUndefined(); // b has not run since
    for (const wall of [10, 20]) exec(ledger, 'b', 'slice1', wall);
    check.update(ledger);
    // a: 40 against its median 50 (-20%); b: 30 against 10, the lower middle of two (+200%); together 70 against 60 (+16.7%).
    const t = check.together()!;
    expect(t.predictedMs).toBe(70);
    expect(Math.abs(t.measuredMs! / 60 - 1)).toBeLessThan(0.0025);
    expect(t.error!).toBeCloseTo(70 / t.measuredMs! - 1, 12);
    expect(t.executions).toBe(2);
    expect(new SliceCheck(placed([slice('a', 0, 100, 20)]), placed([slice('a', 0, 100, 20)]), 0).together()).toBeUndefined();
    const replicated = new SliceCheck(placed([slice('a', 0, 50, 1), slice('b', 50, 100, 1)], [slice('c', 0, 50, 1), slice('d', 50, 100, 1)]), placed([slice('a', 0, 50, 1), slice('b', 50, 100, 1)], [slice('c', 0, 50, 1), slice('d', 50, 100, 1)]), 0);
    for (const [node, id] of [['a', 'slice0'], ['b', 'slice1'], ['c', 'slice2'], ['d', 'slice3']] as const) exec(ledger, node, id, 5);
    replicated.update(ledger);
    expect(replicated.together()).toBeUndefined();
  });

  it('keys rows by the deployed backend and puts replicas of one slice on one node together', () => {
    const ledger = new CarbonLedger({ embodied: { enabled: false } });
    // Two pipelines, the same first slice on node a in both (slice ids 0 and 2).
    const deployed = placed([slice('a', 0, 50, 10), slice('b', 50, 100, 10)], [slice('a', 0, 50, 10), slice('c', 50, 100, 10)]);
    const predicted = placed([{ ...slice('a', 0, 50, 12), backend: 'webgpu' }, slice('b', 50, 100, 14)], [slice('a', 0, 50, 12), slice('c', 50, 100, 16)]);
    const check = new SliceCheck(deployed, predicted, 0);
    exec(ledger, 'a', 'slice0', 10);
    exec(ledger, 'a', 'slice2', 20);
    exec(ledger, 'a', 'slice2', 30);
    exec(ledger, 'c', 'slice3', 16);
    check.update(ledger);
    const rows = check.rows();
    expect([...rows.keys()]).toEqual(['a|wasm|0|50', 'b|wasm|50|100', 'c|wasm|50|100']);
    expect(rows.get('a|wasm|0|50')).toMatchObject({ predictedMs: 12, executions: 3 });
    expect(Math.abs(rows.get('a|wasm|0|50')!.measuredMs! / 20 - 1)).toBeLessThan(0.0025);
    expect(rows.get('b|wasm|50|100')).toMatchObject({ predictedMs: 14, executions: 0, measuredMs: undefined });
    expect(rows.get('c|wasm|50|100')).toMatchObject({ predictedMs: 16, executions: 1 });
  });
});
