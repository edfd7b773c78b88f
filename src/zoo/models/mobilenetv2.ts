/**
 * MobileNetV2 (Sandler et al. 2018, "MobileNetV2: Inverted Residuals and Linear Bottlenecks"),
 * following torchvision's `mobilenet_v2` layer for layer at width 1.0: a 3x3/2 stem, 17 inverted
 * residual blocks (1x1 expand + ReLU6, 3x3 depthwise + ReLU6, 1x1 linear projection, identity skip
 * when stride 1 and channels match), a 1x1 conv to 1280, global average pooling and a 1000-way
 * linear layer. Dropout is an identity at inference and is omitted; batch norm is folded (layers.ts).
 *
 * Input `input` [batch, 3, 224, 224] float32 -> output `logits` [batch, 1000].
 */
import type { GraphBuilder } from '../graph-builder';
import { classifier, conv, makeDivisible } from '../layers';

/** (expansion t, output channels c, repeats n, first stride s), Table 2 of the paper. */
const SETTINGS: readonly (readonly [number, number, number, number])[] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** Add MobileNetV2 to an empty builder. */
export function mobilenetV2Graph(b: GraphBuilder, resolution = 224): void {
  let x = b.input('input', ['batch', 3, resolution, resolution]);
  let channels = makeDivisible(32);
  x = conv(b, x, { name: 'features.0', inChannels: 3, outChannels: channels, kernel: 3, stride: 2, activation: 'relu6' });
  let index = 1;
  for (const [t, c, n, s] of SETTINGS) {
    const out = makeDivisible(c);
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const name = `features.${index++}`;
      const hidden = channels * t;
      let y = x;
      if (t !== 1) y = conv(b, y, { name: `${name}.expand`, inChannels: channels, outChannels: hidden, kernel: 1, activation: 'relu6' });
      y = conv(b, y, { name: `${name}.dw`, inChannels: hidden, outChannels: hidden, kernel: 3, stride, groups: hidden, activation: 'relu6' });
      y = conv(b, y, { name: `${name}.project`, inChannels: hidden, outChannels: out, kernel: 1, activation: 'none' });
      x = stride === 1 && channels === out ? b.op('Add', [x, y], `${name}.residual`) : y;
      channels = out;
    }
  }
  x = conv(b, x, { name: `features.${index}`, inChannels: channels, outChannels: 1280, kernel: 1, activation: 'relu6' });
  const logits = classifier(b, x, 1280, 1000);
  b.output(logits, ['batch', 1000]);
}
