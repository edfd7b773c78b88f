/**
 * EfficientNet-B0 (Tan & Le 2019, "EfficientNet: Rethinking Model Scaling for CNNs"), torchvision
 * layout: 3x3/2 stem conv (32) + SiLU, 16 MBConv blocks in 7 stages, a 1x1 conv to 1280 + SiLU,
 * global average pooling and a 1000-way linear layer. An MBConv block is: 1x1 expand + SiLU (when
 * the ratio is not 1), kxk depthwise + SiLU, squeeze-excitation (global pool, 1x1 conv to
 * max(1, in/4) + SiLU, 1x1 conv back + Sigmoid, channel-wise Mul), 1x1 linear projection, and an
 * identity skip when stride is 1 and channels match. SiLU (Swish) is x * Sigmoid(x). Stochastic
 * depth and dropout are identities at inference; batch norm is folded (layers.ts).
 *
 * Input `input` [batch, 3, 224, 224] float32 -> output `logits` [batch, 1000].
 */
import type { GraphBuilder } from '../graph-builder';
import { classifier, conv } from '../layers';

/** (expand ratio, kernel, first stride, output channels, repeats), Table 1 of the paper. */
const STAGES: readonly (readonly [number, number, number, number, number])[] = [
  [1, 3, 1, 16, 1],
  [6, 3, 2, 24, 2],
  [6, 5, 2, 40, 2],
  [6, 3, 2, 80, 3],
  [6, 5, 1, 112, 3],
  [6, 5, 2, 192, 4],
  [6, 3, 1, 320, 1],
];

/**
 * Init gains that keep random-weight activations alive without batch norm. The second SE conv gets
 * a small gain so that gates sit near Sigmoid(0) = 0.5 with little spread (large random gates made
 * the output seed-chaotic), and the projection makes up the 0.5 with gain 2: with gain 1 the input's
 * influence vanished after 16 blocks (logits identical for different inputs).
 */
const SE_COMPENSATION = 2;
const SE_GATE_GAIN = 0.25;

function squeezeExcite(b: GraphBuilder, x: string, channels: number, squeezed: number, name: string): string {
  const pooled = b.op('GlobalAveragePool', [x], `${name}.pool`);
  const reduced = conv(b, pooled, { name: `${name}.fc1`, inChannels: channels, outChannels: squeezed, kernel: 1, activation: 'silu' });
  const expanded = conv(b, reduced, { name: `${name}.fc2`, inChannels: squeezed, outChannels: channels, kernel: 1, activation: 'none', gain: SE_GATE_GAIN });
  const scale = b.op('Sigmoid', [expanded], `${name}.gate`);
  return b.op('Mul', [x, scale], `${name}.scale`);
}

/** Add EfficientNet-B0 to an empty builder. */
export function efficientNetB0Graph(b: GraphBuilder): void {
  let x = b.input('input', ['batch', 3, 224, 224]);
  let channels = 32;
  x = conv(b, x, { name: 'features.0', inChannels: 3, outChannels: channels, kernel: 3, stride: 2, activation: 'silu' });
  STAGES.forEach(([ratio, kernel, firstStride, out, repeats], stage) => {
    for (let i = 0; i < repeats; i++) {
      const name = `features.${stage + 1}.${i}`;
      const stride = i === 0 ? firstStride : 1;
      const hidden = channels * ratio;
      let y = x;
      if (ratio !== 1) y = conv(b, y, { name: `${name}.expand`, inChannels: channels, outChannels: hidden, kernel: 1, activation: 'silu' });
      y = conv(b, y, { name: `${name}.dw`, inChannels: hidden, outChannels: hidden, kernel, stride, groups: hidden, activation: 'silu' });
      y = squeezeExcite(b, y, hidden, Math.max(1, Math.floor(channels / 4)), `${name}.se`);
      y = conv(b, y, { name: `${name}.project`, inChannels: hidden, outChannels: out, kernel: 1, activation: 'none', gain: SE_COMPENSATION });
      x = stride === 1 && channels === out ? b.op('Add', [x, y], `${name}.residual`) : y;
      channels = out;
    }
  });
  x = conv(b, x, { name: 'features.8', inChannels: channels, outChannels: 1280, kernel: 1, activation: 'silu' });
  b.output(classifier(b, x, 1280, 1000), ['batch', 1000]);
}
