/**
 * The onnxruntime-web adapter: the only module in src/ that imports onnxruntime-web. Used under
 * Node (CLI, tests; onnxruntime-web runs there with no install step) and inside our own web
 * workers (never on a page's main thread: proxy mode and main-thread threads break in a
 * production build).
 */
import * as ort from 'onnxruntime-web';
import { TENSOR_DTYPES, type TensorData, type TensorDtype } from './tensor';

/** Execution backends we offer. */
export type Backend = 'wasm' | 'webgpu';

/** Process-wide runtime settings; apply once before the first session (ORT fixes them per realm). */
export interface RuntimeConfig {
  /** Absolute URL prefix where ort-wasm-*.wasm/.mjs are served (browser only). */
  readonly wasmPaths?: string;
  /** WASM threads; 1 when the realm is not crossOriginIsolated. */
  readonly numThreads?: number;
}

let configured = false;

/** Configure onnxruntime-web's environment. Idempotent; later calls with other values are ignored. */
export function configureRuntime(config: RuntimeConfig): void {
  if (configured) return;
  configured = true;
  if (config.wasmPaths) ort.env.wasm.wasmPaths = config.wasmPaths;
  if (config.numThreads !== undefined) ort.env.wasm.numThreads = config.numThreads;
  ort.env.logLevel = 'error';
}

/** Options for one session. */
export interface SessionOptions {
  /** Backend to use; default wasm. */
  readonly backend?: Backend;
  /** Skip ORT graph optimisations (used when exact intermediate values matter). */
  readonly disableOptimizations?: boolean;
}

/** Metadata of one input or output as the runtime reports it. */
export interface ValueMeta {
  readonly name: string;
  readonly dtype: string;
  /** Numbers for fixed dims, strings for symbolic ones. */
  readonly shape: readonly (number | string)[];
}

/** A loaded model ready to run. */
export interface RuntimeSession {
  readonly backend: Backend;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputs: readonly ValueMeta[];
  readonly outputs: readonly ValueMeta[];
  /** Run with named inputs; returns the requested outputs (all outputs by default). */
  run(feeds: Readonly<Record<string, TensorData>>, fetches?: readonly string[]): Promise<Record<string, TensorData>>;
  /** Free the session's memory. */
  release(): Promise<void>;
}

function toOrt(t: TensorData): ort.Tensor {
  return new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as never, t.dims as number[]);
}

function fromOrt(t: ort.Tensor): TensorData {
  const dtype = t.type as TensorDtype;
  if (!(TENSOR_DTYPES as readonly string[]).includes(dtype)) throw new TypeError(`unsupported output dtype ${t.type}`);
  let data = t.data as TensorData['data'];
  if (dtype === 'bool' && !(data instanceof Uint8Array)) data = Uint8Array.from(data as unknown as ArrayLike<number>);
  return { dtype, dims: [...t.dims], data };
}

function meta(m: ort.InferenceSession.ValueMetadata): ValueMeta {
  const anyMeta = m as unknown as { name: string; type?: string; shape?: (number | string)[] };
  return { name: anyMeta.name, dtype: anyMeta.type ?? 'unknown', shape: anyMeta.shape ?? [] };
}

/** Load an ONNX model (its bytes) into a session. */
export async function createSession(model: Uint8Array, options: SessionOptions = {}): Promise<RuntimeSession> {
  const backend = options.backend ?? 'wasm';
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [backend],
    graphOptimizationLevel: options.disableOptimizations ? 'disabled' : 'all',
    // No busy-waiting between ops: several workers share few cores on a phone or a laptop running
    // simulated nodes, and spinning threads starve the page's main thread (heartbeats, WebRTC).
    extra: { session: { 'intra_op.allow_spinning': '0', 'inter_op.allow_spinning': '0' } },
  });
  return {
    backend,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputs: session.inputMetadata.map(meta),
    outputs: session.outputMetadata.map(meta),
    async run(feeds, fetches) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
      const result = fetches ? await session.run(ortFeeds, fetches as string[]) : await session.run(ortFeeds);
      const out: Record<string, TensorData> = {};
      for (const [name, t] of Object.entries(result)) {
        out[name] = fromOrt(t);
        if (backend === 'webgpu') t.dispose();
      }
      return out;
    },
    release: () => session.release(),
  };
}
