/**
 * The FLOP cost model (see README.md for the table). One multiply-accumulate counts as 2 FLOPs.
 * Costs come from concrete shapes measured by the profiler; ops we have no formula for get a
 * documented fallback, never an exception.
 */
import { toNumber, type NodeProto } from './proto';

/** How a node's FLOPs were obtained. */
export type CostSource = 'formula' | 'elementwise' | 'data-movement' | 'fallback';

/** FLOPs of one node and where the number comes from. */
export interface NodeCost {
  /** Floating-point operations for one inference at the profiled shape. */
  readonly flops: number;
  /** Formula class used. */
  readonly source: CostSource;
}

/** FLOPs per output element of cheap element-wise ops (arithmetic, comparisons, activations). */
export const ELEMENTWISE_FLOPS: Readonly<Record<string, number>> = {
  Add: 1, Sub: 1, Mul: 1, Div: 1, Neg: 1, Abs: 1, Relu: 1, LeakyRelu: 2, PRelu: 2, Clip: 2, Max: 1,
  Min: 1, Sum: 1, Mean: 1, Where: 1, Equal: 1, Less: 1, LessOrEqual: 1, Greater: 1, GreaterOrEqual: 1,
  And: 1, Or: 1, Xor: 1, Not: 1, Floor: 1, Ceil: 1, Round: 1, Sign: 1, Reciprocal: 1, Mod: 1,
  BitShift: 1, IsNaN: 1, IsInf: 1,
  // Transcendentals and composite activations: a few FLOPs each (exp/log/tanh approximations).
  Exp: 4, Log: 4, Sigmoid: 4, Tanh: 4, Erf: 4, Sqrt: 4, Pow: 4, HardSigmoid: 3, HardSwish: 4, Gelu: 8,
  Softplus: 4, Selu: 4, Elu: 4, Celu: 4, Mish: 8, Sin: 4, Cos: 4, Softsign: 3, ThresholdedRelu: 1,
  // Normalisations at inference: a scale and a shift per element (BN) or mean/var/normalise (LN).
  BatchNormalization: 2, LayerNormalization: 8, InstanceNormalization: 8, GroupNormalization: 8,
  SimplifiedLayerNormalization: 6, SkipLayerNormalization: 9, LpNormalization: 3,
  Softmax: 5, LogSoftmax: 6, Hardmax: 2, QuantizeLinear: 2, DequantizeLinear: 2, Resize: 4, Upsample: 4,
};

/** Ops that only move or reinterpret data: 0 FLOPs. */
export const DATA_MOVEMENT_OPS: ReadonlySet<string> = new Set([
  'Reshape', 'Transpose', 'Concat', 'Split', 'Slice', 'Gather', 'GatherElements', 'GatherND', 'Squeeze',
  'Unsqueeze', 'Flatten', 'Shape', 'Size', 'Cast', 'CastLike', 'Identity', 'Expand', 'Tile', 'Pad',
  'ConstantOfShape', 'Range', 'Dropout', 'DepthToSpace', 'SpaceToDepth', 'NonZero', 'ScatterND',
  'ScatterElements', 'Scatter', 'OneHot', 'Trilu', 'EyeLike', 'Compress', 'ReverseSequence',
  'SequenceConstruct', 'SequenceAt', 'SequenceInsert', 'SequenceLength', 'SplitToSequence',
  'ConcatFromSequence', 'Optional', 'OptionalGetElement', 'OptionalHasElement',
]);

/** Reductions: one FLOP per input element. */
const REDUCTIONS: ReadonlySet<string> = new Set([
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2',
  'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare', 'ArgMax', 'ArgMin', 'TopK', 'CumSum',
  'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool',
]);

const count = (dims: readonly number[] | undefined): number => (dims ? dims.reduce((a, b) => a * b, 1) : 0);

function intsAttr(node: NodeProto, name: string): number[] | undefined {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a ? (a.ints ?? []).map(toNumber) : undefined;
}

function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a ? toNumber(a.i) : fallback;
}

/**
 * FLOPs of one node, given the concrete dims of its tensors.
 *
 * - Conv: 2 x out_elems x (C_in/group) x prod(kernel) (+ out_elems with bias)
 * - ConvTranspose: 2 x in_elems x (C_out/group) x prod(kernel) (+ out_elems with bias)
 * - MatMul (and batched): 2 x out_elems x K; Gemm: 2 x M x N x K (+ M x N with C)
 * - Max/Average/Lp pooling: out_elems x prod(kernel); global pooling and reductions: in_elems
 * - element-wise ops: {@link ELEMENTWISE_FLOPS} per output element; data movement: 0
 * - anything else (If/Loop/Scan bodies, RNNs, custom domains): fallback of 1 FLOP per output element
 *
 * @param dimsOf concrete dims of a tensor (activations or weights), undefined when unknown
 */
export function nodeFlops(node: NodeProto, dimsOf: (name: string) => readonly number[] | undefined): NodeCost {
  const op = node.opType ?? '';
  const inputs = node.input ?? [];
  const outputs = (node.output ?? []).filter((o) => o !== '');
  const outElems = outputs.reduce((a, o) => a + count(dimsOf(o)), 0);
  const firstOut = dimsOf(outputs[0] ?? '');
  const custom = (node.domain ?? '') !== '' && node.domain !== 'ai.onnx';
  if (!custom) {
    if (op === 'Conv' || op === 'ConvInteger' || op === 'ConvTranspose') {
      const w = dimsOf(inputs[1] ?? '');
      if (w && firstOut) {
        const perElement = count(w.slice(1));
        const bias = inputs[2] ? count(firstOut) : 0;
        const base = op === 'ConvTranspose' ? count(dimsOf(inputs[0] ?? '')) : count(firstOut);
        return { flops: 2 * base * perElement + bias, source: 'formula' };
      }
    }
    if (op === 'MatMul' || op === 'MatMulInteger') {
      const a = dimsOf(inputs[0] ?? '');
      if (a && firstOut && a.length > 0) return { flops: 2 * count(firstOut) * a[a.length - 1]!, source: 'formula' };
    }
    if (op === 'Gemm') {
      const a = dimsOf(inputs[0] ?? '');
      if (a && a.length === 2 && firstOut) {
        const k = intAttr(node, 'transA', 0) ? a[0]! : a[1]!;
        return { flops: 2 * count(firstOut) * k + (inputs[2] ? count(firstOut) : 0), source: 'formula' };
      }
    }
    if (op === 'MaxPool' || op === 'AveragePool' || op === 'LpPool') {
      const kernel = intsAttr(node, 'kernel_shape');
      if (kernel && firstOut) return { flops: count(firstOut) * count(kernel), source: 'formula' };
    }
    if (REDUCTIONS.has(op)) {
      const x = dimsOf(inputs[0] ?? '');
      if (x) return { flops: count(x), source: 'formula' };
    }
    if (DATA_MOVEMENT_OPS.has(op)) return { flops: 0, source: 'data-movement' };
    const perElement = ELEMENTWISE_FLOPS[op];
    if (perElement !== undefined) return { flops: perElement * outElems, source: 'elementwise' };
  }
  return { flops: outElems, source: 'fallback' };
}
