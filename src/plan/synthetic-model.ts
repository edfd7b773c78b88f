/**
 * Synthetic {@link PlanModel}s for tests and benchmarks, until real profiles come from src/graph:
 * a MobileNetV2-shaped profile (152 nodes, about 0.6 GFLOP, 14 MB of weights, 224x224 float input)
 * and a seeded random DAG of any size with residual skips.
 */
import type { PlanModel } from './plan-model';
import { seededRandom } from '../util/seeded-random';

const FLOAT_BYTES = 4;

/** One node of a synthetic DAG: its producers (-1 = the graph input), cost and output size. */
interface DagNode {
  inputs: number[];
  flops: number;
  weightBytes: number;
  outputBytes: number;
}

/**
 * Bytes crossing each cut of a DAG whose nodes are listed in topological order: the cut before
 * node i carries every tensor produced before i (or the graph input) and read at or after i; the
 * cut at n carries the last node's output (the graph output).
 */
function toPlanModel(name: string, inputBytes: number, nodes: readonly DagNode[]): PlanModel {
  const n = nodes.length;
  const lastUse = new Array<number>(n).fill(-1);
  let inputLastUse = 0;
  nodes.forEach((node, i) => {
    for (const p of node.inputs) {
      if (p < 0) inputLastUse = Math.max(inputLastUse, i);
      else lastUse[p] = Math.max(lastUse[p]!, i);
    }
  });
  lastUse[n - 1] = n; // graph output
  const cut = new Array<number>(n + 1).fill(0);
  for (let i = 0; i <= n; i++) {
    let bytes = i <= inputLastUse ? inputBytes : 0;
    for (let p = 0; p < i; p++) if (lastUse[p]! >= i) bytes += nodes[p]!.outputBytes;
    cut[i] = bytes;
  }
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, cut[i]! + nodes[i]!.outputBytes);
  return {
    name,
    nodeCount: n,
    nodeFlops: nodes.map((x) => x.flops),
    nodeWeightBytes: nodes.map((x) => x.weightBytes),
    cutCrossingBytes: cut,
    activationBytesPeak: peak,
  };
}

/**
 * A MobileNetV2-like profile (ImageNet 224x224, batch 1): stem, 17 inverted-residual blocks
 * (expand 1x1 / depthwise 3x3 / project 1x1, each Conv + BatchNormalization (+ Clip), Add on
 * residuals), head conv, global pooling, flatten and a 1280x1000 Gemm. 152 nodes.
 */
export function syntheticMobileNetV2(): PlanModel {
  const nodes: DagNode[] = [];
  let h = 224;
  let c = 3;
  let last = -1;
  const push = (node: DagNode): number => {
    nodes.push(node);
    return nodes.length - 1;
  };
  const conv = (cout: number, k: number, stride: number, depthwise: boolean, relu: boolean): void => {
    const hOut = Math.ceil(h / stride);
    const cinPerGroup = depthwise ? 1 : c;
    const outBytes = hOut * hOut * cout * FLOAT_BYTES;
    last = push({ inputs: [last], flops: 2 * k * k * cinPerGroup * cout * hOut * hOut, weightBytes: (k * k * cinPerGroup * cout + cout) * FLOAT_BYTES, outputBytes: outBytes });
    last = push({ inputs: [last], flops: 2 * cout * hOut * hOut, weightBytes: 4 * cout * FLOAT_BYTES, outputBytes: outBytes });
    if (relu) last = push({ inputs: [last], flops: cout * hOut * hOut, weightBytes: 0, outputBytes: outBytes });
    h = hOut;
    c = cout;
  };
  conv(32, 3, 2, false, true);
  const groups: Array<[number, number, number, number]> = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
  for (const [expand, cout, repeats, firstStride] of groups) {
    for (let r = 0; r < repeats; r++) {
      const blockInput = last;
      const cin = c;
      const stride = r === 0 ? firstStride : 1;
      if (expand !== 1) conv(cin * expand, 1, 1, false, true);
      conv(c, 3, stride, true, true);
      conv(cout, 1, 1, false, false);
      if (stride === 1 && cin === cout) {
        last = push({ inputs: [blockInput, last], flops: h * h * c, weightBytes: 0, outputBytes: h * h * c * FLOAT_BYTES });
      }
    }
  }
  conv(1280, 1, 1, false, true);
  last = push({ inputs: [last], flops: h * h * c, weightBytes: 0, outputBytes: c * FLOAT_BYTES });
  last = push({ inputs: [last], flops: 0, weightBytes: 0, outputBytes: c * FLOAT_BYTES });
  push({ inputs: [last], flops: 2 * 1280 * 1000, weightBytes: (1280 * 1000 + 1000) * FLOAT_BYTES, outputBytes: 1000 * FLOAT_BYTES });
  return toPlanModel('synthetic:mobilenetv2', 224 * 224 * 3 * FLOAT_BYTES, nodes);
}

/** Options of {@link syntheticPlanModel}. */
export interface SyntheticModelOptions {
  /** Number of graph nodes. */
  readonly nodeCount: number;
  /** PRNG seed (default 1). */
  readonly seed?: number;
  /** Every this many nodes a residual skip joins (default 8). */
  readonly blockLength?: number;
}

/**
 * A seeded random chain-of-blocks DAG: node FLOPs 1e5..5e7, weights 0..1 MB, activations
 * 20 KB..2 MB, with a skip tensor from each block's input to an Add at the block's end, so that
 * cuts inside a block carry two tensors.
 */
export function syntheticPlanModel(options: SyntheticModelOptions): PlanModel {
  const random = seededRandom(options.seed ?? 1);
  const blockLength = options.blockLength ?? 8;
  const nodes: DagNode[] = [];
  let last = -1;
  let blockInput = -1;
  for (let i = 0; i < options.nodeCount; i++) {
    const closesBlock = i % blockLength === blockLength - 1 && i > 0;
    const inputs = closesBlock && blockInput !== last ? [blockInput, last] : [last];
    nodes.push({
      inputs,
      flops: Math.round(1e5 + random() * 5e7),
      weightBytes: random() < 0.5 ? 0 : Math.round(random() * 1e6),
      outputBytes: Math.round(2e4 + random() * 2e6),
    });
    last = i;
    if (closesBlock) blockInput = last;
  }
  return toPlanModel(`synthetic:dag-${options.nodeCount}-s${options.seed ?? 1}`, 602_112, nodes);
}
