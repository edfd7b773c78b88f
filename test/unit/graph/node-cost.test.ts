import { describe, expect, it } from 'vitest';
import { nodeFlops } from '../../../src/graph/node-cost';
import type { NodeProto } from '../../../src/graph/proto';
import { attr } from './graph-builder';

const dims: Record<string, number[]> = {
  x: [1, 3, 8, 8], W: [4, 3, 3, 3], B: [4], y: [1, 4, 8, 8],
  A: [2, 3], M: [3, 5], AM: [2, 5], Q: [2, 4, 16, 8], K: [2, 4, 8, 16], S: [2, 4, 16, 16],
  Wt: [4, 2, 2, 2], yt: [1, 2, 16, 16], xt: [1, 4, 8, 8], p: [1, 4, 4, 4],
};
const dimsOf = (n: string) => dims[n];
const node = (opType: string, input: string[], output: string[], extra: Partial<NodeProto> = {}): NodeProto => ({ opType, input, output, ...extra });

describe('nodeFlops', () => {
  it('Conv: 2 x out elements x C_in/group x kernel, plus bias', () => {
    expect(nodeFlops(node('Conv', ['x', 'W', 'B'], ['y']), dimsOf)).toEqual({ flops: 2 * 256 * 27 + 256, source: 'formula' });
    expect(nodeFlops(node('Conv', ['x', 'W'], ['y']), dimsOf).flops).toBe(2 * 256 * 27);
  });

  it('ConvTranspose: 2 x input elements x C_out/group x kernel', () => {
    expect(nodeFlops(node('ConvTranspose', ['xt', 'Wt'], ['yt']), dimsOf).flops).toBe(2 * 256 * 8);
  });

  it('MatMul, batched attention MatMul and Gemm count MACs x 2', () => {
    expect(nodeFlops(node('MatMul', ['A', 'M'], ['AM']), dimsOf).flops).toBe(60);
    expect(nodeFlops(node('MatMul', ['Q', 'K'], ['S']), dimsOf).flops).toBe(2 * 2 * 4 * 16 * 16 * 8);
    expect(nodeFlops(node('Gemm', ['A', 'M', 'B'], ['AM']), dimsOf).flops).toBe(60 + 10);
  });

  it('pooling counts one op per window element; softmax and element-wise ops per element', () => {
    expect(nodeFlops(node('MaxPool', ['xt'], ['p'], { attribute: [attr.ints('kernel_shape', [2, 2])] }), dimsOf).flops).toBe(64 * 4);
    expect(nodeFlops(node('GlobalAveragePool', ['x'], ['B']), dimsOf).flops).toBe(192);
    expect(nodeFlops(node('Softmax', ['S'], ['S']), dimsOf)).toEqual({ flops: 5 * 2048, source: 'elementwise' });
    expect(nodeFlops(node('Add', ['y', 'y'], ['y']), dimsOf)).toEqual({ flops: 256, source: 'elementwise' });
    expect(nodeFlops(node('Reshape', ['y'], ['y']), dimsOf)).toEqual({ flops: 0, source: 'data-movement' });
  });

  it('unknown ops and custom domains fall back to 1 FLOP per output element, never throw', () => {
    expect(nodeFlops(node('FancyOp', ['x'], ['y']), dimsOf)).toEqual({ flops: 256, source: 'fallback' });
    expect(nodeFlops(node('Conv', ['x', 'W'], ['y'], { domain: 'com.example' }), dimsOf).source).toBe('fallback');
    expect(nodeFlops(node('Conv', ['x', 'missing'], ['unknown']), dimsOf)).toEqual({ flops: 0, source: 'fallback' });
  });
});
