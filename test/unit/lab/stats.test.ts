import { describe, expect, it } from 'vitest';
import { estimate, mean, sampleStdDev, tQuantile975 } from '../../../src/lab/stats';

describe('lab statistics', () => {
  it('computes the mean and a Student-t 95% interval over repetitions', () => {
    // 10, 12, 14: mean 12, s = 2, t(0.975, 2) = 4.303 -> half width 4.303 x 2 / sqrt(3) = 4.9687
    const e = estimate([10, 12, 14]);
    expect(e.mean).toBe(12);
    expect(e.n).toBe(3);
    expect(e.low!).toBeCloseTo(12 - 4.9687, 3);
    expect(e.high!).toBeCloseTo(12 + 4.9687, 3);
  });

  it('has no interval for one value and ignores non-finite values', () => {
    expect(estimate([5])).toEqual({ mean: 5, low: null, high: null, n: 1 });
    expect(estimate([1, NaN, 3]).mean).toBe(2);
    expect(Number.isNaN(mean([]))).toBe(true);
  });

  it('uses the t table for small samples and 1.96 for large ones', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(30)).toBe(2.042);
    expect(tQuantile975(200)).toBe(1.96);
    expect(sampleStdDev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138, 3);
    expect(() => tQuantile975(0)).toThrow(RangeError);
  });
});
