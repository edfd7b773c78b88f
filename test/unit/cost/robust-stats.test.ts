/** LogHistogram (src/cost/robust-stats.ts): a stream's median in bounded memory. */
import { describe, expect, it } from 'vitest';
import { LOG_BUCKET, LogHistogram, median } from '../../../src/cost/robust-stats';

describe('LogHistogram', () => {
  it('gives the median of what it was fed within half a bucket, and nothing when empty', () => {
    const h = new LogHistogram();
    expect(h.median()).toBeUndefined();
    expect(h.count).toBe(0);
    // A seeded spread of walls over three decades, as a shared host's are.
    let seed = 7;
    const next = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const walls = Array.from({ length: 2001 }, () => Math.exp(Math.log(2) + next() * Math.log(1000)));
    for (const w of walls) h.add(w);
    expect(h.count).toBe(2001);
    expect(Math.abs(Math.log(h.median()! / median(walls)))).toBeLessThanOrEqual(LOG_BUCKET / 2 + 1e-12);
  });

  it('ignores what is not a finite positive number, and takes the lower middle for an even count', () => {
    const h = new LogHistogram();
    for (const x of [Number.NaN, -1, 0, Infinity]) h.add(x);
    expect(h.count).toBe(0);
    for (const x of [10, 20, 30, 40]) h.add(x);
    expect(h.count).toBe(4);
    expect(Math.abs(h.median()! / 20 - 1)).toBeLessThan(0.0025);
  });

  it('keeps memory bounded by the range of values, not their number', () => {
    const h = new LogHistogram();
    for (let i = 0; i < 100_000; i++) h.add(10 + (i % 7));
    expect(h.count).toBe(100_000);
    // 10..16 ms spans under 100 buckets of 0.5%; the median is 13.
    expect(Math.abs(h.median()! / 13 - 1)).toBeLessThan(0.0025);
  });
});
