/**
 * Micro-benchmark models for the cost model (issue 11): one small ONNX model per operator class,
 * each a chain of ops of that class only, at sizes taken from the catalogue's own layers (scaled so a
 * probe runs in a few ms on a laptop), plus a one-element model that times the fixed cost of a
 * session run. src/cost times them on a node's worker and turns them into FLOP/s per class.
 *
 * FLOPs are counted here with the formulas of src/graph/node-cost.ts (one multiply-accumulate = 2
 * FLOPs; Conv adds one per output element for its bias); test/unit/cost checks them against the
 * profiler, so a measured rate applies to a profiled model's FLOPs unchanged.
 *
 * Weights are seeded (deterministic bytes). Convolutions have no activation after them, so
 * onnxruntime's graph optimiser cannot fuse a probe's ops into another class; the element-wise
 * chain's SiLU and GELU patterns fuse into element-wise kernels, as they do in the catalogue.
 */
import { GraphBuilder } from './graph-builder';

/** The classes of src/plan/plan-types.ts `OP_CLASSES`, plus `fixed` (the per-run cost). */
export type CostProbeKind = 'conv' | 'depthwise' | 'matmul' | 'elementwise' | 'memory' | 'fixed';

/** One micro-benchmark model. */
export interface CostProbe {
  /** Which cost it measures. */
  readonly kind: CostProbeKind;
  /** Graph name, `cost-probe.KIND`. */
  readonly name: string;
  /** The ONNX model. */
  readonly bytes: Uint8Array;
  /** Its float32 inputs and their dims (batch 1). */
  readonly inputs: readonly { readonly name: string; readonly dims: readonly number[] }[];
  /** FLOPs of one run, by the src/graph formulas. */
  readonly flops: number;
}

const count = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Conv with bias, square kernel, "same" padding; FLOPs = 2 x out x (C_in/group) x k^2 + out. */
function conv(b: GraphBuilder, x: string, name: string, c: { inC: number; outC: number; k: number; stride: number; group: number; outHW: number }): { y: string; flops: number } {
  const w = b.weight(`${name}.weight`, [c.outC, c.inC / c.group, c.k, c.k], { kind: 'he', fanIn: (c.inC / c.group) * c.k * c.k, gain: 1, perOutputNorm: true });
  const bias = b.weight(`${name}.bias`, [c.outC], { kind: 'uniform', limit: 0.05 });
  const pad = (c.k - 1) >> 1;
  const y = b.op('Conv', [x, w, bias], name, { dilations: [1, 1], group: c.group, kernel_shape: [c.k, c.k], pads: [pad, pad, pad, pad], strides: [c.stride, c.stride] });
  const out = c.outC * c.outHW * c.outHW;
  return { y, flops: 2 * out * (c.inC / c.group) * c.k * c.k + out };
}

function finish(b: GraphBuilder, kind: CostProbeKind, inputs: CostProbe['inputs'], output: string, outDims: readonly number[], flops: number): CostProbe {
  b.output(output, outDims);
  const bytes = b.build({ docString: `cost-model micro-benchmark (${kind}); seeded random weights`, metadata: { 'carbonedge.cost.probe': kind, 'carbonedge.cost.flops': String(flops) } });
  return { kind, name: `cost-probe.${kind}`, bytes, inputs, flops };
}

/**
 * Dense convolutions: the two shapes that carry the catalogue's conv FLOPs: 1x1 (MobileNetV2 and
 * EfficientNet expand/project, direct GEMM) and 3x3 (ResNet-18, im2col + GEMM). ~34 MFLOPs.
 */
function convProbe(seed: number): CostProbe {
  const b = new GraphBuilder({ name: 'cost-probe.conv', seed });
  const x = b.input('x', [1, 32, 28, 28]);
  let flops = 0;
  const a = conv(b, x, 'expand', { inC: 32, outC: 128, k: 1, stride: 1, group: 1, outHW: 28 });
  const c3 = conv(b, a.y, 'conv3x3', { inC: 128, outC: 64, k: 3, stride: 2, group: 1, outHW: 14 });
  const p = conv(b, c3.y, 'project', { inC: 64, outC: 96, k: 1, stride: 1, group: 1, outHW: 14 });
  const d = conv(b, p.y, 'conv3x3b', { inC: 96, outC: 64, k: 3, stride: 1, group: 1, outHW: 14 });
  flops = a.flops + c3.flops + p.flops + d.flops;
  return finish(b, 'conv', [{ name: 'x', dims: [1, 32, 28, 28] }], d.y, [1, 64, 14, 14], flops);
}

/** Depthwise 3x3 (stride 1 and 2) and 5x5 at MobileNetV2/EfficientNet sizes. ~4.5 MFLOPs. */
function depthwiseProbe(seed: number): CostProbe {
  const b = new GraphBuilder({ name: 'cost-probe.depthwise', seed });
  const C = 96;
  const x = b.input('x', [1, C, 56, 56]);
  const a = conv(b, x, 'dw3x3', { inC: C, outC: C, k: 3, stride: 1, group: C, outHW: 56 });
  const s = conv(b, a.y, 'dw3x3s2', { inC: C, outC: C, k: 3, stride: 2, group: C, outHW: 28 });
  const f = conv(b, s.y, 'dw5x5', { inC: C, outC: C, k: 5, stride: 1, group: C, outHW: 28 });
  return finish(b, 'depthwise', [{ name: 'x', dims: [1, C, 56, 56] }], f.y, [1, C, 28, 28], a.flops + s.flops + f.flops);
}

/** Token-by-feature products of ViT-Tiny (192 -> 768 -> 192 MLP, QK^T) on 64 tokens. ~50 MFLOPs. */
function matmulProbe(seed: number): CostProbe {
  const b = new GraphBuilder({ name: 'cost-probe.matmul', seed });
  const T = 64, D = 192, H = 768;
  const x = b.input('x', [1, T, D]);
  const w1 = b.weight('fc1.weight', [D, H], { kind: 'he', fanIn: D, gain: 1 });
  const h = b.op('MatMul', [x, w1], 'fc1');
  const w2 = b.weight('fc2.weight', [H, D], { kind: 'he', fanIn: H, gain: 1 });
  const y = b.op('MatMul', [h, w2], 'fc2');
  const perm = b.op('Transpose', [y], 'keys', { perm: [0, 2, 1] });
  const s = b.op('MatMul', [y, perm], 'scores');
  const flops = 2 * T * H * D + 2 * T * D * H + 2 * T * T * D;
  return finish(b, 'matmul', [{ name: 'x', dims: [1, T, D] }], s, [1, T, T], flops);
}

/**
 * The element-wise ops the catalogue runs on their own (not fused into a convolution; see
 * src/graph/op-class.ts), over a MobileNet-sized activation (96 x 56 x 56): EfficientNet's SiLU
 * (x * sigmoid(x)) and squeeze-excitation gate (a channel-broadcast Mul), ViT's GELU
 * (x * 0.5 * (1 + erf(x / sqrt 2))) and a residual Add. onnxruntime fuses the SiLU and GELU patterns
 * into single element-wise kernels here exactly as it does in those models. Relu, Clip and Tanh are
 * left out: in the catalogue they follow a convolution and run inside it (alone they time oddly
 * slowly: 3-7 ns per element under Node and in Chromium, against 0.1-0.5 for an Add).
 *
 * The tensor is made inside the runtime (one value per channel broadcast against a constant) and
 * only its first channel leaves it: a slice's element-wise ops read and write tensors already in the
 * runtime's memory, and copying 1.2 MB in or out per run would be timed as element-wise work (it
 * was: with the whole tensor as output the Chromium page measured 0.7 GFLOP/s, without it 1.9).
 * 4.8 MFLOPs.
 */
function elementwiseProbe(seed: number): CostProbe {
  const b = new GraphBuilder({ name: 'cost-probe.elementwise', seed });
  const C = 96;
  const dims = [1, C, 56, 56];
  const x = b.input('x', [1, C, 1, 1]);
  const w = b.weight('field', dims, { kind: 'uniform', limit: 1 });
  const gate = b.weight('gate', [1, C, 1, 1], { kind: 'uniform', limit: 1 });
  let t = b.op('Add', [x, w], 'add');
  t = b.op('Mul', [t, b.op('Sigmoid', [t], 'silu.sigmoid')], 'silu');
  t = b.op('Mul', [t, gate], 'se.gate');
  const scaled = b.op('Div', [t, b.scalar(Math.SQRT2)], 'gelu.div');
  const onePlusErf = b.op('Add', [b.op('Erf', [scaled], 'gelu.erf'), b.scalar(1)], 'gelu.add');
  t = b.op('Mul', [b.op('Mul', [t, onePlusErf], 'gelu.mul'), b.scalar(0.5)], 'gelu');
  t = b.op('Add', [t, w], 'residual');
  // Only the first channel leaves the runtime: a slice's element-wise ops write tensors that stay in
  // its memory, and copying 1.2 MB out per run would be timed as element-wise work.
  const out = b.op('Slice', [t, b.int64Constant('slice.starts', [0]), b.int64Constant('slice.ends', [1]), b.int64Constant('slice.axes', [1])], 'first_channel');
  // Per element (ELEMENTWISE_FLOPS of src/graph): Add 1; Sigmoid 4 + Mul 1; Mul 1; Div 1 + Erf 4 +
  // Add 1 + Mul 1 + Mul 1; Add 1. The Slice moves data only (0 FLOPs).
  return finish(b, 'elementwise', [{ name: 'x', dims: [1, C, 1, 1] }], out, [1, 1, 56, 56], 16 * count(dims));
}

/** Pooling (max 3x3/2, global average), LayerNormalization and Softmax at ViT/ResNet sizes. */
function memoryProbe(seed: number): CostProbe {
  const b = new GraphBuilder({ name: 'cost-probe.memory', seed });
  const img = [1, 64, 56, 56];
  const tok = [1, 3, 197, 197];
  const x = b.input('x', img);
  const t = b.input('t', tok);
  const p = b.op('MaxPool', [x], 'maxpool', { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
  const g = b.op('GlobalAveragePool', [p], 'gap');
  const scale = b.floatConstant('ln.scale', [197], new Array(197).fill(1));
  const shift = b.floatConstant('ln.shift', [197], new Array(197).fill(0));
  const ln = b.op('LayerNormalization', [t, scale, shift], 'layernorm', { axis: -1 });
  const sm = b.op('Softmax', [ln], 'softmax', { axis: -1 });
  b.output(g, [1, 64, 1, 1]);
  // MaxPool: out x k^2; GlobalAveragePool: in elements; LayerNorm 8 and Softmax 5 per element.
  const flops = count([1, 64, 28, 28]) * 9 + count([1, 64, 28, 28]) + (8 + 5) * count(tok);
  return finish(b, 'memory', [{ name: 'x', dims: img }, { name: 't', dims: tok }], sm, tok, flops);
}

/** One Add of one element: its run time is the fixed cost of a session run (dispatch, feeds, fetch). */
function fixedProbe(seed: number): CostProbe {
  const b = new GraphBuilder({ name: 'cost-probe.fixed', seed });
  const x = b.input('x', [1, 1]);
  const y = b.op('Add', [x, b.scalar(1)], 'y');
  return finish(b, 'fixed', [{ name: 'x', dims: [1, 1] }], y, [1, 1], 1);
}

/** The probe suite, `fixed` first, then one per operator class. Same seed, same bytes. */
export function costProbes(seed = 0): CostProbe[] {
  return [fixedProbe(seed), convProbe(seed), depthwiseProbe(seed), matmulProbe(seed), elementwiseProbe(seed), memoryProbe(seed)];
}
