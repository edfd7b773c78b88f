import { describe, expect, it } from 'vitest';
import { bundledReading } from '../../../src/carbon/bundled-intensity';
import { IntensityKindMixError, type IntensityReading } from '../../../src/carbon/intensity';
import { IntensityTimeline, IntensityTimelineError } from '../../../src/carbon/intensity-timeline';
import { CarbonLedger, LedgerInputError } from '../../../src/carbon/ledger';
import { configuredPowerModel } from '../../../src/carbon/power-model';

// 10 W flat: 360 ms = 3.6 J = 1e-6 kWh, so grams = intensity x 1e-6.
const flat10 = configuredPowerModel({ deviceClass: 'laptop', maxWatts: 10, idleWatts: 10 });
const T0 = Date.UTC(2026, 2, 1, 12, 0);

function live(gramsCo2PerKwh: number, at: number): IntensityReading {
  return {
    gramsCo2PerKwh, zone: 'GB', source: 'uk-carbon-intensity', kind: 'average', observedAt: new Date(at).toISOString(),
    period: 'half-hour', isLive: true, vintage: 'National Grid ESO, actual',
  };
}

describe('per-execution intensity', () => {
  it('charges each execution of a run crossing an intensity change at the figure then in force', () => {
    const timeline = new IntensityTimeline();
    timeline.record('a', live(200, T0));
    timeline.record('a', live(100, T0 + 30 * 60_000)); // the next half-hour is cleaner
    const ledger = new CarbonLedger({ embodied: { enabled: false }, intensityAt: (node, at) => timeline.inForceAt(node, at) });
    // One execution every 5 minutes for an hour: 6 before the change, 6 after.
    for (let i = 0; i < 12; i++) {
      ledger.recordExecution({ inferenceId: `r${i}`, nodeId: 'a', sliceId: 's0', busyMs: 360, wallMs: 360, power: flat10, at: new Date(T0 + i * 5 * 60_000).toISOString() });
    }
    const rows = ledger.rows();
    expect(rows.map((r) => r.gramsCo2PerKwh)).toEqual([200, 200, 200, 200, 200, 200, 100, 100, 100, 100, 100, 100]);
    expect(rows[5]?.intensityObservedAt).toBe('2026-03-01T12:00:00.000Z');
    expect(rows[6]?.intensityObservedAt).toBe('2026-03-01T12:30:00.000Z');
    const total = ledger.summarise().total.operationalGramsCo2;
    expect(total).toBeCloseTo(6 * 200e-6 + 6 * 100e-6, 15);
    // Accounting once at the start-of-run figure would have said 12 x 200e-6: 33% too high.
    expect(12 * 200e-6 / total).toBeCloseTo(4 / 3, 12);
  });

  it('charges executions given explicit readings the same way (what the run controller does)', () => {
    const ledger = new CarbonLedger({ embodied: { enabled: false } });
    ledger.recordExecution({ inferenceId: 'r0', nodeId: 'a', sliceId: 's0', busyMs: 360, wallMs: 360, power: flat10, intensity: live(300, T0) });
    ledger.recordExecution({ inferenceId: 'r1', nodeId: 'a', sliceId: 's0', busyMs: 360, wallMs: 360, power: flat10, intensity: live(150, T0 + 1_800_000) });
    expect(ledger.rows().map((r) => r.operationalGramsCo2)).toEqual([300e-6, 150e-6].map((g) => expect.closeTo(g, 15)));
  });

  it('refuses a record with no intensity and nothing in force, naming the node and time', () => {
    const timeline = new IntensityTimeline();
    timeline.record('a', live(200, T0));
    const ledger = new CarbonLedger({ intensityAt: (node, at) => timeline.inForceAt(node, at) });
    const early = new Date(T0 - 1).toISOString();
    expect(() => ledger.recordExecution({ inferenceId: 'r', nodeId: 'a', sliceId: 's', busyMs: 1, wallMs: 1, power: flat10, at: early })).toThrow(`no intensity in force for a at ${early}`);
    expect(() => new CarbonLedger().recordHop({ inferenceId: 'r', fromNodeId: 'a', toNodeId: 'b', bytes: 1 })).toThrow(LedgerInputError);
  });
});

describe('IntensityTimeline', () => {
  it('finds the latest change at or before a time, and replaces a change at the same time', () => {
    const timeline = new IntensityTimeline();
    timeline.record('a', live(300, T0 + 3_600_000));
    timeline.record('a', live(100, T0));
    timeline.record('a', live(200, T0 + 1_800_000));
    timeline.record('a', live(250, T0 + 1_800_000));
    expect(timeline.inForceAt('a', T0 - 1)).toBeUndefined();
    expect(timeline.inForceAt('a', T0)?.gramsCo2PerKwh).toBe(100);
    expect(timeline.inForceAt('a', T0 + 1_799_999)?.gramsCo2PerKwh).toBe(100);
    expect(timeline.inForceAt('a', T0 + 1_800_000)?.gramsCo2PerKwh).toBe(250);
    expect(timeline.inForceAt('a', T0 + 10 * 3_600_000)?.gramsCo2PerKwh).toBe(300);
    expect(timeline.inForceAt('b', T0)).toBeUndefined();
    expect(timeline.changes('a').map((c) => c.reading.gramsCo2PerKwh)).toEqual([100, 250, 300]);
  });

  it('needs an effective time for annual figures and refuses a kind change', () => {
    const timeline = new IntensityTimeline();
    expect(() => timeline.record('a', bundledReading('FR'))).toThrow(IntensityTimelineError);
    timeline.record('a', bundledReading('FR'), T0);
    expect(() => timeline.record('a', bundledReading('FR', 'marginal'), T0 + 1)).toThrow(IntensityKindMixError);
  });
});
