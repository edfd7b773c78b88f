/**
 * Layer recipes shared by the convolutional models, written over {@link GraphBuilder}. Batch
 * normalisation is folded: every convolution carries a bias and no BatchNormalization node is
 * emitted. This is what an inference export looks like after BN folding (and what onnxruntime does
 * to an unfolded graph anyway), it keeps the graphs smaller, and with random weights there is no
 * learned BN statistic to preserve. Parameter counts are therefore a little below the published
 * ones (one bias per channel instead of BN's scale and shift).
 */
import type { GraphBuilder } from './graph-builder';

/** Activation after a convolution. `relu6` is Clip(0, 6); `silu` (Swish) is x * Sigmoid(x). */
export type Activation = 'none' | 'relu' | 'relu6' | 'silu';

/** A 2-D convolution with folded batch norm and an optional activation. */
export interface ConvSpec {
  /** Tensor and weight name prefix, e.g. "features.3.conv.1". */
  readonly name: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride?: number;
  /** Groups; equal to inChannels for a depthwise convolution. */
  readonly groups?: number;
  readonly activation: Activation;
  /** Init gain override (default {@link activationGain} of the activation). */
  readonly gain?: number;
}

/**
 * Init gain per activation: sqrt(2) (He et al. 2015) before ReLU, ReLU6 and SiLU, 1 before a linear
 * output. SiLU is not homogeneous (about x/2 near 0, about ReLU for large x), so no single gain
 * preserves every amplitude; the variance-matching 1.68 of N(0, 1) inputs made large activations
 * grow by about 1.19 per layer and EfficientNet-B0 overflowed to 1e4 for some seeds, while sqrt(2)
 * is neutral at large amplitude and lets small ones decay, which keeps it finite for every seed tried.
 */
export function activationGain(activation: Activation): number {
  switch (activation) {
    case 'relu': case 'relu6': return Math.SQRT2;
    case 'silu': return Math.SQRT2;
    case 'none': return 1;
    default: {
      const never: never = activation;
      throw new TypeError(`unknown activation ${String(never)}`);
    }
  }
}

/** Apply an activation; returns the output tensor name. */
export function activate(b: GraphBuilder, x: string, activation: Activation, name: string): string {
  switch (activation) {
    case 'none':
      return x;
    case 'relu':
      return b.op('Relu', [x], `${name}.relu`);
    case 'relu6':
      return b.op('Clip', [x, b.scalar(0), b.scalar(6)], `${name}.relu6`);
    case 'silu': {
      const gate = b.op('Sigmoid', [x], `${name}.sigmoid`);
      return b.op('Mul', [x, gate], `${name}.silu`);
    }
    default: {
      const never: never = activation;
      throw new TypeError(`unknown activation ${String(never)}`);
    }
  }
}

/** Conv (square kernel, "same" padding (k-1)/2, like torchvision) + bias + activation. */
export function conv(b: GraphBuilder, x: string, spec: ConvSpec): string {
  const groups = spec.groups ?? 1;
  const fanIn = (spec.inChannels / groups) * spec.kernel * spec.kernel;
  const gain = spec.gain ?? activationGain(spec.activation);
  const w = b.weight(`${spec.name}.weight`, [spec.outChannels, spec.inChannels / groups, spec.kernel, spec.kernel], { kind: 'he', fanIn, gain, perOutputNorm: true });
  const bias = b.weight(`${spec.name}.bias`, [spec.outChannels], { kind: 'uniform', limit: 0.05 });
  const pad = (spec.kernel - 1) >> 1;
  const stride = spec.stride ?? 1;
  const y = b.op('Conv', [x, w, bias], `${spec.name}.conv`, {
    dilations: [1, 1],
    group: groups,
    kernel_shape: [spec.kernel, spec.kernel],
    pads: [pad, pad, pad, pad],
    strides: [stride, stride],
  });
  return activate(b, y, spec.activation, spec.name);
}

/**
 * Classifier head: GlobalAveragePool -> Flatten -> Gemm(weight [classes, channels], transB=1).
 * Output `logits` [batch, classes] (no softmax, as torchvision).
 */
export function classifier(b: GraphBuilder, x: string, channels: number, classes: number, name = 'classifier'): string {
  const pooled = b.op('GlobalAveragePool', [x], `${name}.pool`);
  const flat = b.op('Flatten', [pooled], `${name}.flatten`, { axis: 1 });
  const w = b.weight(`${name}.weight`, [classes, channels], { kind: 'he', fanIn: channels, gain: 1 });
  const bias = b.weight(`${name}.bias`, [classes], { kind: 'uniform', limit: 0.05 });
  return b.op('Gemm', [flat, w, bias], 'logits', { transB: 1 });
}

/** torchvision's `_make_divisible`: round to a multiple of `divisor`, never below 90% of the input. */
export function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}
