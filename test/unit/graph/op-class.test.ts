import { describe, expect, it } from 'vitest';
import { indexModel, parseModel, profileModel, toPlanModel } from '../../../src/graph/index';
import { opClassOf } from '../../../src/graph/op-class';
import type { NodeProto } from '../../../src/graph/proto';
import { OP_CLASSES } from '../../../src/plan/plan-types';
import { loadZooModel, zooInfo } from '../../../src/zoo/index';
import { attr } from './graph-builder';

const dims: Record<string, number[]> = {
  x8: [1, 8, 16, 16], Wdw: [8, 1, 3, 3], Wg2: [8, 4, 3, 3], Wdense: [16, 8, 1, 1], Wt: [8, 1, 2, 2],
};
const dimsOf = (n: string) => dims[n];
const node = (opType: string, input: string[], extra: Partial<NodeProto> = {}): NodeProto => ({ opType, input, output: ['y'], ...extra });

describe('opClassOf', () => {
  it('a convolution is depthwise exactly when group > 1 equals its input channels', () => {
    expect(opClassOf(node('Conv', ['x8', 'Wdw'], { attribute: [attr.int('group', 8)] }), dimsOf)).toBe('depthwise');
    expect(opClassOf(node('Conv', ['x8', 'Wg2'], { attribute: [attr.int('group', 2)] }), dimsOf)).toBe('conv');
    expect(opClassOf(node('Conv', ['x8', 'Wdense']), dimsOf)).toBe('conv');
    expect(opClassOf(node('ConvTranspose', ['x8', 'Wt'], { attribute: [attr.int('group', 8)] }), dimsOf)).toBe('depthwise');
  });

  it('finds the input channels from the weight when the activation dims are unknown', () => {
    expect(opClassOf(node('Conv', ['unknown', 'Wdw'], { attribute: [attr.int('group', 8)] }), dimsOf)).toBe('depthwise');
    expect(opClassOf(node('Conv', ['unknown', 'missing'], { attribute: [attr.int('group', 8)] }), dimsOf)).toBe('conv');
  });

  it('puts products, memory-bound ops and the rest in their classes', () => {
    for (const op of ['MatMul', 'Gemm', 'Einsum']) expect(opClassOf(node(op, []), dimsOf)).toBe('matmul');
    for (const op of ['MaxPool', 'GlobalAveragePool', 'ReduceMean', 'LayerNormalization', 'BatchNormalization', 'Softmax', 'Resize', 'Reshape', 'Transpose', 'Concat'])
      expect(opClassOf(node(op, []), dimsOf), op).toBe('memory');
    for (const op of ['Add', 'Mul', 'Clip', 'Relu', 'Sigmoid', 'Erf', 'Loop', 'FancyCustomOp'])
      expect(opClassOf(node(op, []), dimsOf), op).toBe('elementwise');
  });
});

/** Class counts per catalogue model, counted from the architectures (see each src/zoo/models file). */
const EXPECTED: Record<string, Partial<Record<(typeof OP_CLASSES)[number], number>>> = {
  // stem + 16 expand + 17 project + last 1x1 = 35 dense; one depthwise per inverted residual block.
  mobilenetv2: { conv: 35, depthwise: 17, matmul: 1 },
  // one depthwise per MBConv block; 2 squeeze-excitation 1x1 convs per block count as dense.
  'efficientnet-b0': { depthwise: 16, matmul: 1 },
  // 7x7 stem + 16 3x3 + 3 projection skips.
  resnet18: { conv: 20, depthwise: 0, matmul: 1 },
  // patch embedding; per block q, k, v, QK^T, AV, projection, fc1, fc2 (12 x 8) + the head Gemm.
  'vit-tiny': { conv: 1, depthwise: 0, matmul: 97 },
  tinycnn: { conv: 5, depthwise: 0, matmul: 1 },
  // the real PaddleOCR classifier (a MobileNetV3-small variant with depthwise blocks).
  'paddle-cls': { depthwise: 11, matmul: 1 },
};

describe('toPlanModel fills nodeOpClass on the catalogue models', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: one class per node, the expected counts, most FLOPs in compute classes`, async () => {
      const info = zooInfo(name);
      const profile = await profileModel(indexModel(parseModel(await loadZooModel(name))), [{ name: info.inputName, dims: info.inputShape }]);
      const model = toPlanModel(profile);
      expect(model.nodeOpClass).toHaveLength(model.nodeCount);
      const counts: Record<string, number> = {};
      const flops: Record<string, number> = {};
      model.nodeOpClass!.forEach((c, i) => {
        expect(OP_CLASSES).toContain(c);
        counts[c] = (counts[c] ?? 0) + 1;
        flops[c] = (flops[c] ?? 0) + model.nodeFlops[i]!;
      });
      for (const [c, n] of Object.entries(expected)) expect(counts[c] ?? 0, c).toBe(n);
      // Every Conv/Gemm/MatMul node is in a compute class and the data-movement ops are memory.
      profile.nodes.forEach((n, i) => {
        const c = model.nodeOpClass![i]!;
        if (n.opType === 'Conv') expect(['conv', 'depthwise']).toContain(c);
        if (n.opType === 'MatMul' || n.opType === 'Gemm') expect(c).toBe('matmul');
        if (n.costSource === 'data-movement') expect(c).toBe('memory');
      });
      const compute = (flops.conv ?? 0) + (flops.depthwise ?? 0) + (flops.matmul ?? 0);
      expect(compute / profile.totalFlops).toBeGreaterThan(0.85);
    });
  }
});
