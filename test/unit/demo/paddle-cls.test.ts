import { describe, expect, it } from 'vitest';
import { paddleClsAnswer, paddleClsInput } from '../../../src/demo/paddle-cls';

describe('PaddleOCR classifier pre/post-processing', () => {
  it('maps white to 1, black to -1, planar RGB', () => {
    const data = new Uint8ClampedArray(192 * 48 * 4).fill(255);
    data[0] = 0; // first pixel's red channel black
    const t = paddleClsInput({ width: 192, height: 48, data });
    expect(t.dims).toEqual([1, 3, 48, 192]);
    expect(t.data[0]).toBe(-1);
    expect(t.data[1]).toBe(1);
    expect(t.data[192 * 48]).toBe(1); // green plane starts after the red one
  });

  it('refuses an image of the wrong size and reads the softmax', () => {
    expect(() => paddleClsInput({ width: 100, height: 48, data: [] })).toThrow(/expected a 192x48 image, got 100x48/);
    expect(paddleClsAnswer({ dtype: 'float32', dims: [1, 2], data: Float32Array.of(0.2, 0.8) }).label).toBe('180°');
    expect(() => paddleClsAnswer({ dtype: 'float32', dims: [1, 3], data: new Float32Array(3) })).toThrow(/\[1,3\]/);
  });
});
