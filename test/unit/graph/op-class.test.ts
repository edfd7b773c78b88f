import { describe, expect, it } from 'vitest';
import { indexModel, parseModel, profileModel, toPlanModel, type ModelProfile } from '../../../src/graph/index';
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

/**
 * Class counts of the Conv, MatMul and Gemm nodes per catalogue model, counted from the architectures
 * (see each src/zoo/models file).
 */
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

const profiles = new Map<string, Promise<ModelProfile>>();
/** Each catalogue model is profiled once per test file. */
function profiled(name: string): Promise<ModelProfile> {
  let p = profiles.get(name);
  if (!p) {
    const info = zooInfo(name);
    p = loadZooModel(name).then((bytes) => profileModel(indexModel(parseModel(bytes)), [{ name: info.inputName, dims: info.inputShape }]));
    profiles.set(name, p);
  }
  return p;
}

describe('fusion with the preceding convolution', () => {
  // MobileNetV2: all 35 ReLU6 (Clip) follow a conv alone. EfficientNet-B0: of 65 Sigmoids, the 16
  // squeeze-excitation gates follow a 1x1 conv alone; the 49 of SiLU (x * sigmoid(x)) share the
  // conv output with the Mul, so the runtime cannot fold them.
  it('an activation that alone reads a conv output takes the conv class; SiLU\'s Sigmoid does not', async () => {
    for (const [name, op, fusedCount, total] of [['mobilenetv2', 'Clip', 35, 35], ['efficientnet-b0', 'Sigmoid', 16, 65]] as const) {
      const profile = await profiled(name);
      const classes = toPlanModel(profile).nodeOpClass!;
      const ofOp = profile.nodes.filter((n) => n.opType === op);
      expect(ofOp).toHaveLength(total);
      expect(ofOp.filter((n) => classes[n.position] !== 'elementwise')).toHaveLength(fusedCount);
    }
  });
});

describe('toPlanModel fills nodeOpClass on the catalogue models', () => {
  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: one class per node, the expected counts, most FLOPs in compute classes`, async () => {
      const profile = await profiled(name);
      const model = toPlanModel(profile);
      expect(model.nodeOpClass).toHaveLength(model.nodeCount);
      const counts: Record<string, number> = {};
      const flops: Record<string, number> = {};
      model.nodeOpClass!.forEach((c, i) => {
        expect(OP_CLASSES).toContain(c);
        if (['Conv', 'MatMul', 'Gemm'].includes(profile.nodes[i]!.opType)) counts[c] = (counts[c] ?? 0) + 1;
        flops[c] = (flops[c] ?? 0) + model.nodeFlops[i]!;
      });
      for (const [c, n] of Object.entries(expected)) expect(counts[c] ?? 0, c).toBe(n);
      // Every Conv/Gemm/MatMul node is in a compute class and the data-movement ops are memory.
      profile.nodes.forEach((n, i) => {
        const c = model.nodeOpClass![i]!;
        if (n.opType === 'Conv') expect(['conv', 'depthwise']).toContain(c);
        if (n.opType === 'MatMul' || n.opType === 'Gemm') expect(c).toBe('matmul');
        if (n.costSource === 'data-movement') expect(c).toBe('memory');
        // An activation or batch norm takes its Conv's class exactly when the runtime fuses it.
        if (['Clip', 'Relu', 'Sigmoid', 'BatchNormalization'].includes(n.opType)) {
          const x = profile.index.nodes[i]!.inputs[0]!;
          const p = profile.index.producer.get(x) ?? -1;
          const fused = p >= 0 && profile.nodes[p]!.opType === 'Conv' && profile.index.consumers.get(x)!.length === 1;
          expect(c).toBe(fused ? model.nodeOpClass![p] : n.opType === 'BatchNormalization' ? 'memory' : 'elementwise');
        }
      });
      const compute = (flops.conv ?? 0) + (flops.depthwise ?? 0) + (flops.matmul ?? 0);
      expect(compute / profile.totalFlops).toBeGreaterThan(0.85);
    });
  }
});
