import { describe, expect, it } from 'vitest';
import {
  BYTE_UNITS, MASS_UNITS, commonUnit, formatBytes, formatBytesPerSecond, formatChange, formatDuration, formatGramsCo2,
  formatInterval, formatJoules, formatRate, formatShare, formatSignificant, plannedGramsText, unitFor,
} from '../../../src/ui/format';

describe('format', () => {
  it('writes three significant digits in fixed notation, never e-notation', () => {
    expect(formatSignificant(0.000123456)).toBe('0.000123');
    expect(formatSignificant(1234.5)).toBe('1,230');
    expect(formatSignificant(12)).toBe('12');
    expect(formatSignificant(-0.5)).toBe('-0.5');
    expect(formatSignificant(0)).toBe('0');
    expect(formatSignificant(NaN)).toBe('-');
    expect(formatSignificant(1e-9)).toBe('0.000000001');
    expect(() => formatSignificant(1, 0)).toThrow(/digits must be a whole number in 1..15, got 0/);
    for (const x of [1e-9, 3.3e-7, 2.5e12, 7e21]) expect(formatSignificant(x)).not.toMatch(/e/i);
  });

  it('shows grams in a unit that fits: mg per inference, g per run', () => {
    expect(formatGramsCo2(4.123e-3)).toBe('4.12 mgCO2');
    expect(formatGramsCo2(3.4e-4)).toBe('340 ugCO2');
    expect(formatGramsCo2(1.5)).toBe('1.5 gCO2');
    expect(formatGramsCo2(2345)).toBe('2.35 kgCO2');
    expect(formatGramsCo2(0)).toBe('0 gCO2');
    expect(formatGramsCo2(Infinity)).toBe('-');
    // a fixed unit for a column
    expect(formatGramsCo2(0.2, unitFor(4e-3, MASS_UNITS))).toBe('200 mgCO2');
    // 0.9996 g rounds to 1 g, not to "1,000 mg"
    expect(formatGramsCo2(0.9996)).toBe('1 gCO2');
  });

  it('shows energy, bytes and rates with their units', () => {
    expect(formatJoules(336.97)).toBe('337 J');
    expect(formatJoules(0.85)).toBe('850 mJ');
    expect(formatJoules(3210)).toBe('3.21 kJ');
    expect(formatBytes(150_528)).toBe('151 KB');
    expect(formatBytes(3_010_000)).toBe('3.01 MB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytesPerSecond(1.2e6)).toBe('1.2 MB/s');
    expect(formatRate(3.456)).toBe('3.46 inferences/s');
  });

  it('shows durations as ms, s, min or h', () => {
    expect(formatDuration(0.42)).toBe('0.42 ms');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(7_380_000)).toBe('2 h 03 min');
  });

  it('shows shares and changes against a reference', () => {
    expect(formatShare(0.123)).toBe('12%');
    expect(formatShare(0.005)).toBe('0.5%');
    expect(formatShare(1)).toBe('100%');
    expect(formatChange(0.77, 1)).toBe('23% less');
    expect(formatChange(2.61, 1)).toBe('161% more');
    expect(formatChange(1, 1)).toBe('same');
    expect(formatChange(1, 0)).toBe('-');
  });

  it('picks one unit for a column from the median value', () => {
    expect(commonUnit([1e-3, 2e-3, 5], MASS_UNITS).symbol).toBe('mg');
    expect(commonUnit([], BYTE_UNITS).symbol).toBe('B');
  });

  it('writes a 95% interval in the mean unit', () => {
    expect(formatInterval(4e-3, 3.5e-3, 4.5e-3, formatGramsCo2, MASS_UNITS)).toBe('4 mgCO2 (95%: 3.5 to 4.5)');
    expect(formatInterval(4e-3, null, null, formatGramsCo2, MASS_UNITS)).toBe('4 mgCO2');
  });
});

describe('plannedGramsText', () => {
  it('puts the planned grams per inference next to the measured ones, with the error; the plan alone before anything completed', () => {
    expect(plannedGramsText(3e-6, 24e-6, 6)).toEqual({ text: 'planned 3 ugCO2, measured 4 ugCO2 per inference (-25.0%)', error: expect.closeTo(-0.25, 12) });
    expect(plannedGramsText(5e-6, 24e-6, 6).text).toBe('planned 5 ugCO2, measured 4 ugCO2 per inference (+25.0%)');
    expect(plannedGramsText(3e-6, 0, 0)).toEqual({ text: 'planned 3 ugCO2 per inference', error: null });
  });
});
