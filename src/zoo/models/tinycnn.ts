/**
 * A tiny CNN for fast tests and demos (98 090 parameters, 385 KiB): three 3x3 conv + ReLU
 * layers (16, 32 and 64 channels, the last two with stride 2), one residual basic block at 64
 * channels so that cuts can cross a skip connection, global average pooling and a 10-way Gemm.
 *
 * Input `input` [batch, 3, 32, 32] float32 (CIFAR-sized) -> output `logits` [batch, 10].
 */
import type { GraphBuilder } from '../graph-builder';
import { classifier, conv } from '../layers';

/** Add the tiny CNN to an empty builder. */
export function tinyCnnGraph(b: GraphBuilder): void {
  let x = b.input('input', ['batch', 3, 32, 32]);
  x = conv(b, x, { name: 'conv1', inChannels: 3, outChannels: 16, kernel: 3, activation: 'relu' });
  x = conv(b, x, { name: 'conv2', inChannels: 16, outChannels: 32, kernel: 3, stride: 2, activation: 'relu' });
  x = conv(b, x, { name: 'conv3', inChannels: 32, outChannels: 64, kernel: 3, stride: 2, activation: 'relu' });
  let y = conv(b, x, { name: 'block.conv1', inChannels: 64, outChannels: 64, kernel: 3, activation: 'relu' });
  y = conv(b, y, { name: 'block.conv2', inChannels: 64, outChannels: 64, kernel: 3, activation: 'none' });
  x = b.op('Relu', [b.op('Add', [x, y], 'block.residual')], 'block.relu');
  const logits = classifier(b, x, 64, 10);
  b.output(logits, ['batch', 10]);
}
