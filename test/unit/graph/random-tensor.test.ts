import { describe, expect, it } from 'vitest';
import { randomTensor, seededRandom } from '../../../src/graph/random-tensor';

describe('randomTensor', () => {
  it('draws one value per element in order, so a seed replays the same tensor', () => {
    const draws = (seed: number, n: number) => {
      const next = seededRandom(seed);
      return Array.from({ length: n }, () => next());
    };
    const r = draws(7, 24);
    const f = randomTensor('float32', [2, 3, 4], seededRandom(7));
    expect(f.dims).toEqual([2, 3, 4]);
    expect(Array.from(f.data as Float32Array)).toEqual(r.map((x) => Math.fround(x)));
    expect(Array.from(randomTensor('float64', [24], seededRandom(7)).data as Float64Array)).toEqual(r);
    expect(Array.from(randomTensor('int32', [24], seededRandom(7)).data as Int32Array)).toEqual(r.map((x) => Math.floor(x * 3)));
    expect(Array.from(randomTensor('int64', [24], seededRandom(7)).data as BigInt64Array)).toEqual(r.map((x) => BigInt(Math.floor(x * 3))));
    expect(Array.from(randomTensor('bool', [24], seededRandom(7)).data as Uint8Array)).toEqual(r.map((x) => (x < 0.5 ? 0 : 1)));
    // Floats in [0, 1), integers in {0, 1, 2}, bools both ways over 24 draws.
    expect(r.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(Array.from(randomTensor('int32', [24], seededRandom(7)).data as Int32Array))).toEqual(new Set([0, 1, 2]));
    expect(new Set(Array.from(randomTensor('bool', [24], seededRandom(7)).data as Uint8Array))).toEqual(new Set([0, 1]));
  });

  it('makes an empty tensor for a zero dimension', () => {
    expect(randomTensor('float32', [0, 3], seededRandom(1)).data.length).toBe(0);
  });
});
