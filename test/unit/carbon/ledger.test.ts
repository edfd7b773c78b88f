import { describe, expect, it } from 'vitest';
import { bundledReading } from '../../../src/carbon/bundled-intensity';
import { scenarioReading } from '../../../src/carbon/configured-intensity';
import { IntensityKindMixError } from '../../../src/carbon/intensity';
import { EMBODIED_PRIORS, MS_PER_YEAR } from '../../../src/carbon/embodied-carbon';
import { CarbonLedger, LedgerInputError, summariseRows, type LedgerSummary } from '../../../src/carbon/ledger';
import { LEDGER_COLUMNS, ledgerToCsv, ledgerToExport } from '../../../src/carbon/ledger-export';
import { configuredPowerModel, estimatedPowerModel, PowerModelError } from '../../../src/carbon/power-model';

const AT = '2026-03-01T12:00:00.000Z';
// 10 W flat-ish laptop (idle 10, max 10) makes energies easy: 10 W x 360 ms = 3.6 J = 1e-6 kWh.
const flat10 = configuredPowerModel({ deviceClass: 'laptop', maxWatts: 10, idleWatts: 10 });
const green = scenarioReading('node-green'); // 380
const high = scenarioReading('node-high'); // 620

function twoNodeRun(options: ConstructorParameters<typeof CarbonLedger>[0] = {}): CarbonLedger {
  const ledger = new CarbonLedger(options);
  for (const inferenceId of ['i1', 'i2']) {
    ledger.recordExecution({ inferenceId, nodeId: 'a', sliceId: 's1', busyMs: 360, wallMs: 360, power: flat10, intensity: green, at: AT });
    ledger.recordHop({ inferenceId, fromNodeId: 'a', toNodeId: 'b', bytes: 1_000_000, intensity: green, at: AT });
    ledger.recordExecution({ inferenceId, nodeId: 'b', sliceId: 's2', busyMs: 180, utilisation: 0.5, power: flat10, intensity: high, at: AT });
  }
  return ledger;
}

function sumParts(summary: LedgerSummary) {
  const parts = [...Object.values(summary.byNode), ...Object.values(summary.byHop)];
  return {
    energyJoules: parts.reduce((s, p) => s + p.energyJoules, 0),
    gramsCo2: parts.reduce((s, p) => s + p.gramsCo2, 0),
  };
}

describe('CarbonLedger', () => {
  it('computes joules and grams per execution from P(u) x wall time and the intensity in force', () => {
    const ledger = twoNodeRun({ embodied: { enabled: false } });
    const [a, hop, b] = ledger.rows();
    expect(a?.energyJoules).toBeCloseTo(3.6, 12);
    expect(a?.operationalGramsCo2).toBeCloseTo(380e-6, 15);
    expect(b?.wallMs).toBe(360); // busy 180 ms at u = 0.5
    expect(b?.operationalGramsCo2).toBeCloseTo(620e-6, 15);
    expect(hop).toMatchObject({ type: 'hop', energyJoules: 0, operationalGramsCo2: 0, networkJoulesPerByte: 0, bytes: 1_000_000 });
  });

  it('per node + per hop sums equal the per-inference and per-run totals', () => {
    const ledger = twoNodeRun({ networkJoulesPerByte: 3.6e-6, embodied: { enabled: true } });
    for (const summary of [ledger.summarise('i1'), ledger.summarise()]) {
      const parts = sumParts(summary);
      expect(parts.energyJoules).toBeCloseTo(summary.total.energyJoules, 12);
      expect(parts.gramsCo2).toBeCloseTo(summary.total.gramsCo2, 12);
      const slices = Object.values(summary.bySlice).reduce((s, p) => s + p.gramsCo2, 0);
      const nodes = Object.values(summary.byNode).reduce((s, p) => s + p.gramsCo2, 0);
      expect(slices).toBeCloseTo(nodes, 15);
    }
  });

  it('reports gCO2 per inference, inferences per gCO2 and the SCI score (embodied off)', () => {
    const run = twoNodeRun({ embodied: { enabled: false } }).summarise();
    expect(run.inferences).toBe(2);
    expect(run.operationalGramsCo2PerInference).toBeCloseTo(1000e-6, 12);
    expect(run.inferencesPerGramCo2).toBeCloseTo(1000, 6);
    expect(run.sciGramsCo2PerInference).toBeCloseTo(1000e-6, 12);
    expect(run.total.embodiedGramsCo2).toBe(0);
    expect(run.byHop['a->b']).toMatchObject({ bytes: 2_000_000 });
  });

  it('counts embodied carbon by default, from the published laptop prior, separately from operational', () => {
    const ledger = twoNodeRun();
    expect(ledger.embodiedEnabled).toBe(true);
    const run = ledger.summarise();
    // Hand calculation: laptop TE 149 850 g over 4 years; 4 executions x 360 ms wall = 1440 ms.
    const m = (149_850 * 1440) / (4 * 365.25 * 24 * 3_600_000);
    expect(m).toBeCloseTo(1.70945e-3, 8); // as large as the operational 2e-3 g here
    expect(run.total.embodiedGramsCo2).toBeCloseTo(m, 15);
    expect(run.total.operationalGramsCo2).toBeCloseTo(2000e-6, 15);
    expect(run.total.gramsCo2).toBeCloseTo(2000e-6 + m, 15);
    expect(run.embodiedGramsCo2PerInference).toBeCloseTo(m / 2, 15);
    // SCI = (O + M) / R, R = 2 inferences.
    expect(run.sciGramsCo2PerInference).toBeCloseTo((2000e-6 + m) / 2, 15);
    expect(run.inferencesPerGramCo2).toBeCloseTo(1000, 6); // carbon efficiency stays operational
    expect(ledger.rows()[0]?.embodiedSource).toBe(EMBODIED_PRIORS.laptop.source);
    expect(ledger.rows()[1]?.embodiedGramsCo2).toBe(0); // hops hold no device
  });

  it('scales M by the resource share RR/ToR and refuses a share outside (0, 1]', () => {
    const whole = twoNodeRun().summarise().total.embodiedGramsCo2;
    const quarter = twoNodeRun({ embodied: { enabled: true, resourceShare: 0.25 } }).summarise().total.embodiedGramsCo2;
    expect(quarter).toBeCloseTo(whole / 4, 18);
    expect(() => new CarbonLedger({ embodied: { enabled: true, resourceShare: 0 } })).toThrow(LedgerInputError);
    expect(() => new CarbonLedger({ embodied: { enabled: true, priors: { phone: { totalGramsCo2: -1, lifetimeYears: 3, source: 'x' } } } })).toThrow(/totalGramsCo2 >= 0/);
    expect(MS_PER_YEAR).toBe(31_557_600_000);
  });

  it('adds the network term when a per-byte coefficient is set (hop at the sender intensity)', () => {
    const hop = twoNodeRun({ networkJoulesPerByte: 3.6e-6, embodied: { enabled: false } }).summarise('i1').byHop['a->b'];
    expect(hop?.energyJoules).toBeCloseTo(3.6, 9); // 1 MB x 3.6e-6 J/B
    expect(hop?.operationalGramsCo2).toBeCloseTo(380e-6, 12);
  });

  it('adds the embodied share M with given priors: TE x wall / lifetime', () => {
    const run = twoNodeRun({ embodied: { enabled: true, priors: { laptop: { totalGramsCo2: 315_576, lifetimeYears: 1, source: 'test' } } } }).summarise();
    // 315576 g over 1 year = 0.01 g per second; 4 executions x 360 ms = 1.44 s -> 0.0144 g
    expect(run.total.embodiedGramsCo2).toBeCloseTo(0.0144, 9);
    expect(run.sciGramsCo2PerInference).toBeCloseTo((2000e-6 + 0.0144) / 2, 12);
    expect(run.inferencesPerGramCo2).toBeCloseTo(1000, 6); // efficiency stays operational
  });

  it('keeps running totals: the run summary equals a summary of all rows, as the rows come, and a taken summary never changes', () => {
    const ledger = new CarbonLedger({ networkJoulesPerByte: 3.6e-6 });
    const early = ledger.summarise();
    let taken: LedgerSummary | undefined;
    for (let i = 0; i < 40; i++) {
      const inferenceId = `r${i % 7}`; // rows of an inference spread over the run, as audits are
      ledger.recordExecution({ inferenceId, nodeId: i % 3 ? 'a' : 'b', sliceId: `s${i % 2}`, busyMs: 10 + i, wallMs: 20 + i, power: flat10, intensity: green, at: AT });
      if (i % 5 === 0) ledger.recordHop({ inferenceId, fromNodeId: 'a', toNodeId: 'b', bytes: 1000 * i, intensity: green, at: AT });
      expect(ledger.summarise()).toEqual(summariseRows(ledger.rows()));
      if (i === 20) taken = ledger.summarise();
    }
    expect(early).toMatchObject({ inferences: 0, total: { energyJoules: 0 } });
    expect(taken).toEqual(summariseRows(ledger.rows().slice(0, 26))); // 21 executions + 5 hops by then
    expect(ledger.rowCount).toBe(48);
    expect(ledger.rowsFrom(46)).toEqual(ledger.rows().slice(46));
    expect(ledger.inferenceIds()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    for (const id of ledger.inferenceIds()) {
      expect(ledger.rowsOf(id)).toEqual(ledger.rows().filter((r) => r.inferenceId === id));
      expect(ledger.summarise(id)).toEqual(summariseRows(ledger.rowsOf(id)));
    }
    expect(ledger.rowsOf('r9')).toEqual([]);
  });

  it('refuses to mix average and marginal intensities', () => {
    const ledger = twoNodeRun();
    expect(() => ledger.recordExecution({
      inferenceId: 'i3', nodeId: 'a', sliceId: 's1', busyMs: 1, wallMs: 1, power: flat10, intensity: bundledReading('FR', 'marginal'),
    })).toThrow(IntensityKindMixError);
  });

  it('rejects bad records with a clear error', () => {
    const ledger = new CarbonLedger();
    const base = { inferenceId: 'i', nodeId: 'a', sliceId: 's', power: estimatedPowerModel({ deviceClass: 'phone' }), intensity: green };
    expect(() => ledger.recordExecution({ ...base, busyMs: 10 })).toThrow(LedgerInputError);
    expect(() => ledger.recordExecution({ ...base, busyMs: 10, utilisation: Number.NaN })).toThrow(PowerModelError);
    expect(() => ledger.recordExecution({ ...base, busyMs: 10, wallMs: 5 })).toThrow(/exceeds wall time/);
    expect(() => ledger.recordExecution({ ...base, busyMs: 10, wallMs: 20, utilisation: 0.9 })).toThrow(/disagrees/);
    expect(() => ledger.recordExecution({ ...base, nodeId: '', busyMs: 1, wallMs: 1 })).toThrow(/nodeId/);
    expect(() => ledger.recordHop({ inferenceId: 'i', fromNodeId: 'a', toNodeId: 'b', bytes: -1, intensity: green })).toThrow(/bytes/);
    expect(() => new CarbonLedger({ networkJoulesPerByte: -1 })).toThrow(LedgerInputError);
    expect(ledger.rows()).toHaveLength(0);
    expect(ledger.summarise()).toMatchObject({ inferences: 0, operationalGramsCo2PerInference: null, intensityKind: null });
  });
});

describe('ledger exports', () => {
  it('writes one CSV row per execution and hop with every provenance column', () => {
    const csv = ledgerToCsv(twoNodeRun());
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 6);
    expect(lines[0]).toBe(LEDGER_COLUMNS.join(','));
    for (const column of ['powerLabel', 'powerSource', 'intensitySource', 'intensityKind', 'intensityIsLive', 'intensityFallbackReason']) {
      expect(LEDGER_COLUMNS).toContain(column);
    }
    expect(lines[1]).toContain('scenario:node-green');
    expect(lines[1]).toContain('configured');
    expect(lines[2]?.startsWith('hop,i1,a,b,,')).toBe(true);
  });

  it('exports the year and basis of each intensity', () => {
    const ledger = new CarbonLedger();
    ledger.recordExecution({ inferenceId: 'i', nodeId: 'a', sliceId: 's', busyMs: 1, wallMs: 1, power: flat10, intensity: bundledReading('FR', 'average', { year: 2023 }), at: AT });
    expect(ledger.rows()[0]).toMatchObject({ gramsCo2PerKwh: 49, intensityYear: 2023, intensityBasis: 'lifecycle-consumption', intensitySource: 'bundled-electricity-maps' });
    expect(ledger.rows()[0]!.embodiedGramsCo2).toBeGreaterThan(0);
    const [header, row] = ledgerToCsv(ledger).split('\r\n');
    const at = (column: string) => header!.split(',').indexOf(column);
    expect(at('intensityBasis')).toBe(at('intensityYear') + 1);
    expect(row).toContain('Electricity Maps, ODbL)",2023,lifecycle-consumption,'); // vintage (quoted), year, basis
  });

  it('quotes cells holding commas or quotes', () => {
    const ledger = new CarbonLedger();
    ledger.recordExecution({
      inferenceId: 'i', nodeId: 'n,1', sliceId: 's"1', busyMs: 1, wallMs: 1, power: flat10, at: AT,
      intensity: { ...bundledReading('FR'), fallback: { fromSource: 'electricity-maps', reason: 'http: HTTP 503' } },
    });
    const row = ledgerToCsv(ledger).split('\r\n')[1] ?? '';
    expect(row).toContain('"n,1"');
    expect(row).toContain('"s""1"');
    expect(row).toContain('electricity-maps,http: HTTP 503');
  });

  it('exports JSON with rows, units, run and per-inference summaries', () => {
    const doc = ledgerToExport(twoNodeRun({ embodied: { enabled: false } }));
    expect(doc.format).toBe('carbonedge-ledger/1');
    expect(doc.settings).toEqual({ networkJoulesPerByte: 0, embodiedEnabled: false, embodiedResourceShare: 1 });
    expect(doc.rows).toHaveLength(6);
    expect(Object.keys(doc.perInference)).toEqual(['i1', 'i2']);
    expect(doc.run.total.gramsCo2).toBeCloseTo(2000e-6, 12);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
