/**
 * Operator classes for the cost model (issue 11): every ONNX op falls into one of the five
 * {@link OpClass}es the node measures separately, so a slice's compute time can be predicted as
 * fixedMsPerRun + sum over its nodes of FLOPs / rate(class of the node).
 *
 * Rules (checked in this order; see README.md "Operator classes"):
 * - `depthwise`: Conv, ConvInteger or ConvTranspose with `group` > 1 and `group` equal to its input
 *   channels (one input channel per group; MobileNet/EfficientNet 3x3 and 5x5 depthwise kernels).
 *   Other grouped convolutions (1 < group < C_in) run as a GEMM per group and count as `conv`.
 * - `conv`: every other Conv, ConvInteger, ConvTranspose, and QLinearConv.
 * - `matmul`: MatMul, MatMulInteger, QLinearMatMul, Gemm, Einsum, and the com.microsoft fused
 *   attention and MatMul ops.
 * - `memory`: ops bound by moving data rather than arithmetic: pooling, reductions, normalisations
 *   (Batch/Layer/Instance/Group/Lp), Softmax/LogSoftmax, Resize/Upsample and every data-movement op
 *   of {@link DATA_MOVEMENT_OPS} (which count 0 FLOPs, so they add no predicted time).
 * - `elementwise`: everything else: arithmetic, comparisons, activations, and any op without a
 *   formula (control flow, RNNs, custom domains), which the FLOP model charges 1 FLOP per output.
 *
 * In a whole profile ({@link profileOpClasses}) one more rule applies: an op that onnxruntime's graph
 * optimiser folds into the convolution before it (an activation of {@link CONV_FUSED_OPS} or a
 * BatchNormalization, reading a Conv output that nothing else reads and that is not a graph output;
 * onnxruntime's ConvActivationFusion and ConvBNFusion) takes the convolution's class: it runs inside
 * the convolution's kernel, at its rate.
 */
import type { OpClass } from '../plan/plan-types';
import type { ModelProfile } from './profile-model';
import { DATA_MOVEMENT_OPS } from './node-cost';
import { toNumber, type NodeProto } from './proto';

export type { OpClass } from '../plan/plan-types';

const CONV_OPS: ReadonlySet<string> = new Set(['Conv', 'ConvInteger', 'ConvTranspose', 'QLinearConv']);

const MATMUL_OPS: ReadonlySet<string> = new Set([
  'MatMul', 'MatMulInteger', 'QLinearMatMul', 'Gemm', 'Einsum',
  // com.microsoft contrib ops that are matrix products at heart.
  'Attention', 'MultiHeadAttention', 'FusedMatMul', 'MatMulNBits', 'QAttention', 'GroupQueryAttention',
]);

/** Memory-bound ops that do count FLOPs: pooling, reductions, normalisations, softmax, resizing. */
export const MEMORY_BOUND_OPS: ReadonlySet<string> = new Set([
  'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool', 'MaxRoiPool',
  'RoiAlign', 'MaxUnpool',
  'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2',
  'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare', 'ArgMax', 'ArgMin', 'TopK', 'CumSum',
  'BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization',
  'SimplifiedLayerNormalization', 'SkipLayerNormalization', 'SkipSimplifiedLayerNormalization',
  'LpNormalization', 'MeanVarianceNormalization', 'LRN',
  'Softmax', 'LogSoftmax', 'Hardmax', 'Resize', 'Upsample',
]);

/** Ops onnxruntime fuses into a preceding Conv (ConvActivationFusion, ConvBNFusion). */
export const CONV_FUSED_OPS: ReadonlySet<string> = new Set(['Relu', 'Clip', 'Sigmoid', 'Tanh', 'LeakyRelu', 'HardSigmoid', 'BatchNormalization']);

function intAttr(node: NodeProto, name: string): number | undefined {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a ? toNumber(a.i) : undefined;
}

/**
 * The operator class of one node.
 *
 * @param dimsOf concrete dims of a tensor (activations or weights), undefined when unknown; only
 *   convolutions need it (input channels). A convolution whose channels are unknown is `conv`.
 */
export function opClassOf(node: NodeProto, dimsOf: (name: string) => readonly number[] | undefined): OpClass {
  const op = node.opType ?? '';
  if (CONV_OPS.has(op)) {
    const group = intAttr(node, 'group') ?? 1;
    if (group <= 1) return 'conv';
    const inputs = node.input ?? [];
    let inChannels = dimsOf(inputs[0] ?? '')?.[1];
    if (inChannels === undefined && op !== 'ConvTranspose') {
      // Conv weight is [C_out, C_in / group, k...]: C_in = W[1] x group.
      const perGroup = dimsOf(inputs[op === 'QLinearConv' ? 3 : 1] ?? '')?.[1];
      if (perGroup !== undefined) inChannels = perGroup * group;
    }
    return inChannels === group ? 'depthwise' : 'conv';
  }
  if (MATMUL_OPS.has(op)) return 'matmul';
  if (MEMORY_BOUND_OPS.has(op) || DATA_MOVEMENT_OPS.has(op)) return 'memory';
  return 'elementwise';
}

/** The operator class of every compute node of a profile, in topological order. */
export function profileOpClasses(profile: ModelProfile): OpClass[] {
  const index = profile.index;
  const dimsOf = (name: string): readonly number[] | undefined => {
    const t = profile.tensors.get(name);
    if (t) return t.dims;
    const w = index.weights.get(name);
    if (!w) return undefined;
    if (w.tensor) return (w.tensor.dims ?? []).map(toNumber);
    const value = w.constantNode?.attribute?.[0]?.t;
    return value ? (value.dims ?? []).map(toNumber) : undefined;
  };
  const classes = index.nodes.map((n) => opClassOf(n.proto, dimsOf));
  for (const n of index.nodes) {
    if (!CONV_FUSED_OPS.has(n.opType) || n.domain !== '') continue;
    const x = n.inputs[0] ?? '';
    const producer = index.producer.get(x) ?? -1;
    if (producer < 0) continue;
    const conv = index.nodes[producer]!;
    const onlyReader = (index.consumers.get(x) ?? []).length === 1 && !index.graphOutputs.includes(x);
    if (conv.opType === 'Conv' && conv.domain === '' && onlyReader) classes[n.position] = classes[producer]!;
  }
  return classes;
}
