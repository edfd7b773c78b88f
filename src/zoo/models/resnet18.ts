/**
 * ResNet-18 (He et al. 2016, "Deep Residual Learning for Image Recognition"), torchvision layout:
 * 7x7/2 stem conv + ReLU, 3x3/2 max pool, four stages of two basic blocks (64, 128, 256, 512
 * channels; the first block of stages 2-4 has stride 2 and a 1x1/2 projection on its skip path),
 * global average pooling and a 1000-way linear layer. Batch norm is folded (layers.ts).
 *
 * Input `input` [batch, 3, 224, 224] float32 -> output `logits` [batch, 1000].
 */
import type { GraphBuilder } from '../graph-builder';
import { classifier, conv } from '../layers';

/**
 * Gain of the last conv of each residual branch. Without batch norm every identity sum adds the
 * branch's variance to the trunk's; a gain of 1/2 keeps the logits within a few units after eight
 * blocks instead of growing by about sqrt(2) per block.
 */
const BRANCH_GAIN = 0.5;

/** Add ResNet-18 to an empty builder. */
export function resnet18Graph(b: GraphBuilder): void {
  let x = b.input('input', ['batch', 3, 224, 224]);
  x = conv(b, x, { name: 'conv1', inChannels: 3, outChannels: 64, kernel: 7, stride: 2, activation: 'relu' });
  x = b.op('MaxPool', [x], 'maxpool', { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
  let channels = 64;
  const widths = [64, 128, 256, 512];
  widths.forEach((width, stage) => {
    for (let block = 0; block < 2; block++) {
      const name = `layer${stage + 1}.${block}`;
      const stride = stage > 0 && block === 0 ? 2 : 1;
      let y = conv(b, x, { name: `${name}.conv1`, inChannels: channels, outChannels: width, kernel: 3, stride, activation: 'relu' });
      y = conv(b, y, { name: `${name}.conv2`, inChannels: width, outChannels: width, kernel: 3, activation: 'none', gain: BRANCH_GAIN });
      const skip = stride !== 1 || channels !== width
        ? conv(b, x, { name: `${name}.downsample`, inChannels: channels, outChannels: width, kernel: 1, stride, activation: 'none' })
        : x;
      x = b.op('Relu', [b.op('Add', [skip, y], `${name}.add`)], `${name}.relu`);
      channels = width;
    }
  });
  b.output(classifier(b, x, 512, 1000, 'fc'), ['batch', 1000]);
}
