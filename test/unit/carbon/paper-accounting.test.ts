import { describe, expect, it } from 'vitest';
import {
  PAPER_NODE_INTENSITIES,
  PaperAccountingError,
  calibrateHostPowerWatts,
  paperGramsPerInference,
  paperInferencesPerGram,
} from '../../../src/carbon/paper-accounting';

// PAPER.md, results for MobileNetV2: latency ms, intensity the run was accounted at, gCO2/inference.
const MONOLITHIC = { latencyMs: 254.85, gramsCo2PerKwh: 530, paperGrams: 0.0053 };
const ROWS = [
  { name: 'CE-Performance', latencyMs: 271.38, gramsCo2PerKwh: 620, paperGrams: 0.0067 },
  { name: 'CE-Balanced', latencyMs: 271.11, gramsCo2PerKwh: 620, paperGrams: 0.0066 },
  { name: 'CE-Green', latencyMs: 272.02, gramsCo2PerKwh: 380, paperGrams: 0.0041 },
];

describe('paperGramsPerInference', () => {
  it('converts W x ms to kWh and multiplies by intensity and PUE', () => {
    // 100 W for 360 ms = 36 J = 1e-5 kWh; at 500 g/kWh = 0.005 g; PUE 1.2 -> 0.006 g
    expect(paperGramsPerInference({ hostPowerWatts: 100, latencyMs: 360, gramsCo2PerKwh: 500 })).toBeCloseTo(0.005, 12);
    expect(paperGramsPerInference({ hostPowerWatts: 100, latencyMs: 360, gramsCo2PerKwh: 500, pue: 1.2 })).toBeCloseTo(0.006, 12);
  });

  it('rejects NaN, zero and negative inputs', () => {
    expect(() => paperGramsPerInference({ hostPowerWatts: Number.NaN, latencyMs: 1, gramsCo2PerKwh: 1 })).toThrow(PaperAccountingError);
    expect(() => paperGramsPerInference({ hostPowerWatts: 10, latencyMs: -1, gramsCo2PerKwh: 1 })).toThrow(/latencyMs/);
    expect(() => paperGramsPerInference({ hostPowerWatts: 10, latencyMs: 1, gramsCo2PerKwh: 1, pue: 0 })).toThrow(/pue/);
  });
});

describe('calibrateHostPowerWatts', () => {
  const hostPowerWatts = calibrateHostPowerWatts({ latencyMs: 254.85, gramsCo2PerKwh: 530, inferencesPerGram: 189.5 });

  it('finds the constant host power behind the paper monolithic efficiency (about 140.6 W)', () => {
    expect(hostPowerWatts).toBeCloseTo(140.6477, 3);
    expect(paperInferencesPerGram({ hostPowerWatts, ...MONOLITHIC })).toBeCloseTo(189.5, 9);
    expect(paperGramsPerInference({ hostPowerWatts, ...MONOLITHIC })).toBeCloseTo(MONOLITHIC.paperGrams, 4);
  });

  it('reproduces the paper per-inference grams within 2.5% with one constant power', () => {
    for (const row of ROWS) {
      const grams = paperGramsPerInference({ hostPowerWatts, latencyMs: row.latencyMs, gramsCo2PerKwh: row.gramsCo2PerKwh });
      expect(Math.abs(grams - row.paperGrams) / row.paperGrams, row.name).toBeLessThan(0.025);
    }
  });

  it('gives CE-Green 247.6 inferences/g (paper: 245.8) and a 23.5% reduction (paper: 22.9%)', () => {
    const green = paperGramsPerInference({ hostPowerWatts, latencyMs: 272.02, gramsCo2PerKwh: PAPER_NODE_INTENSITIES['node-green'] });
    const mono = paperGramsPerInference({ hostPowerWatts, ...MONOLITHIC });
    expect(1 / green).toBeCloseTo(247.62, 1);
    expect(Math.abs(1 / green - 245.8) / 245.8).toBeLessThan(0.01);
    expect(1 - green / mono).toBeCloseTo(0.2347, 3);
  });
});
