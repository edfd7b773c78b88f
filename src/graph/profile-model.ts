/**
 * Step 3 of the recipe: profile for a concrete input shape. The model runs once under
 * onnxruntime-web with every consumed intermediate tensor added as an extra graph output (graph
 * optimisations off, so nothing we ask for is fused away); the measured dims and dtypes give exact
 * byte sizes, and the cost model gives FLOPs per node.
 */
import type { RuntimeSession } from '../runtime/ort-session';
import { BYTES_PER_ELEMENT, elementCount, type TensorData, type TensorDtype } from '../runtime/tensor';
import { GraphError, ModelTooLargeError, ProfileError } from './errors';
import { bindInputShapes, type InputShapeSpec } from './input-shapes';
import type { ModelIndex } from './model-index';
import { nodeFlops, type CostSource } from './node-cost';
import { ONNX_DTYPE, onnx, toNumber } from './proto';
import { randomTensor, seededRandom } from './random-tensor';

/** Opens a runtime session for model bytes (injected so browser code can pick its own). */
export type SessionFactory = (model: Uint8Array, options: { disableOptimizations?: boolean }) => Promise<RuntimeSession>;

/** Measured facts about one non-weight tensor. */
export interface TensorInfo {
  /** Tensor name. */
  readonly name: string;
  /** Element type. */
  readonly dtype: TensorDtype;
  /** Concrete dims at the profiled input shape. */
  readonly dims: readonly number[];
  /** Byte size (elements x bytes per element). */
  readonly bytes: number;
  /** Position of the producing node; -1 for a graph input. */
  readonly producer: number;
  /** Last position that reads it; nodeCount when it is a graph output. */
  readonly lastUse: number;
}

/** Cost and size of one compute node. */
export interface NodeProfile {
  /** Topological position. */
  readonly position: number;
  /** Node name. */
  readonly name: string;
  /** Op type. */
  readonly opType: string;
  /** FLOPs at the profiled shape. */
  readonly flops: number;
  /** How `flops` was obtained. */
  readonly costSource: CostSource;
  /** Weight elements first read by this node (shared weights count once, at their first reader). */
  readonly params: number;
  /** Weight bytes first read by this node. */
  readonly weightBytes: number;
  /** Bytes of the tensors it produces (consumed ones only). */
  readonly outputBytes: number;
}

/** A model profiled for one concrete input shape. */
export interface ModelProfile {
  /** The index the profile was built from. */
  readonly index: ModelIndex;
  /** Model name (graph name, else producer). */
  readonly name: string;
  /** Concrete input dims used. */
  readonly inputShapes: ReadonlyMap<string, readonly number[]>;
  /** Every non-weight tensor that some node or the graph output reads. */
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Per compute node, in topological order. */
  readonly nodes: readonly NodeProfile[];
  /** Sum of node FLOPs. */
  readonly totalFlops: number;
  /** Sum of weight elements. */
  readonly totalParams: number;
  /** Sum of weight bytes. */
  readonly totalWeightBytes: number;
  /** Op types costed by the fallback rule, sorted. */
  readonly fallbackOps: readonly string[];
  /** Wall time of the profiling run. */
  readonly profileMs: number;
}

/** Options for {@link profileModel}. */
export interface ProfileOptions {
  /** Session factory; default: src/runtime/ort-session (onnxruntime-web). */
  readonly createSession?: SessionFactory;
  /** Seed for the random inputs of the profiling run. */
  readonly seed?: number;
  /** Refuse models whose weights and inputs exceed this (default 4 GiB, the WASM32 address space). */
  readonly memoryLimitBytes?: number;
  /** Cancels before the run starts. */
  readonly signal?: AbortSignal;
}

/** Default session factory: loads the onnxruntime-web adapter only when first needed. */
export const defaultSessionFactory: SessionFactory = async (model, options) => {
  const { createSession } = await import('../runtime/ort-session');
  return createSession(model, options);
};

/** The dtype declared for a graph input (float32 when undeclared). */
function inputDtype(index: ModelIndex, name: string): TensorDtype {
  const code = index.valueInfo.get(name)?.type?.tensorType?.elemType ?? 1;
  const dtype = ONNX_DTYPE[code];
  if (!dtype) throw new ProfileError(`input "${name}" has ONNX element type ${code}, which we cannot generate`);
  return dtype;
}

/** Seeded random feeds for every real graph input at the bound shapes. */
export function randomFeeds(index: ModelIndex, shapes: ReadonlyMap<string, readonly number[]>, seed: number): Record<string, TensorData> {
  const next = seededRandom(seed);
  const feeds: Record<string, TensorData> = {};
  for (const v of index.graphInputs) {
    const name = v.name ?? '';
    feeds[name] = randomTensor(inputDtype(index, name), shapes.get(name) ?? [], next);
  }
  return feeds;
}

/**
 * Profile a model for concrete input shapes.
 *
 * @throws InputShapeError when shapes do not fit; ModelTooLargeError over the memory limit;
 *   ProfileError when the runtime rejects or fails to run the model
 */
export async function profileModel(index: ModelIndex, shapes: readonly InputShapeSpec[], options: ProfileOptions = {}): Promise<ModelProfile> {
  const started = performance.now();
  const inputShapes = bindInputShapes(index, shapes);
  const totalWeightBytes = [...index.weights.values()].reduce((a, w) => a + w.bytes, 0);
  const inputBytes = index.graphInputs.reduce((a, v) => a + elementCount(inputShapes.get(v.name ?? '') ?? []) * BYTES_PER_ELEMENT[inputDtype(index, v.name ?? '')], 0);
  const limit = options.memoryLimitBytes ?? 4 * 2 ** 30;
  // The session holds the weights twice while loading (file copy + runtime copy).
  if (2 * totalWeightBytes + inputBytes > limit) {
    throw new ModelTooLargeError(`model needs at least ${mb(2 * totalWeightBytes + inputBytes)} MB (weights ${mb(totalWeightBytes)} MB x2 + inputs ${mb(inputBytes)} MB), limit is ${mb(limit)} MB`);
  }
  const nodeCount = index.nodes.length;
  const wanted = [...index.producer.keys()].filter((t) => index.producer.get(t)! >= 0 && (index.consumers.has(t) || index.graphOutputs.includes(t)));
  const extra = wanted.filter((t) => !index.graphOutputs.includes(t)).sort();
  const probe = onnx.ModelProto.encode({
    ...index.model,
    graph: { ...index.graph, output: [...(index.graph.output ?? []), ...extra.map((name) => ({ name }))] },
  }).finish();
  options.signal?.throwIfAborted();
  const factory = options.createSession ?? defaultSessionFactory;
  const feeds = randomFeeds(index, inputShapes, options.seed ?? 1);
  let results: Record<string, TensorData>;
  try {
    const session = await factory(probe, { disableOptimizations: true });
    try {
      results = await session.run(feeds);
    } finally {
      await session.release();
    }
  } catch (error) {
    if (error instanceof GraphError) throw error;
    throw new ProfileError(`onnxruntime could not run the model at ${[...inputShapes].map(([n, d]) => `${n}=${d.join('x')}`).join(' ')}: ${String((error as Error).message ?? error).split('\n')[0]}`);
  }
  const tensors = new Map<string, TensorInfo>();
  const lastUseOf = (t: string): number =>
    index.graphOutputs.includes(t) ? nodeCount : Math.max(-1, ...(index.consumers.get(t) ?? []));
  const record = (name: string, dtype: TensorDtype, dims: readonly number[], producer: number) => {
    tensors.set(name, { name, dtype, dims: [...dims], bytes: elementCount(dims) * BYTES_PER_ELEMENT[dtype], producer, lastUse: lastUseOf(name) });
  };
  for (const v of index.graphInputs) {
    const feed = feeds[v.name ?? '']!;
    record(v.name ?? '', feed.dtype, feed.dims, -1);
  }
  for (const t of wanted) {
    const r = results[t];
    if (!r) throw new ProfileError(`runtime returned no value for tensor "${t}" (${Object.keys(results).length} of ${wanted.length} returned)`);
    record(t, r.dtype, r.dims, index.producer.get(t)!);
  }
  const weightDims = (name: string): number[] | undefined => {
    const w = index.weights.get(name);
    if (!w) return undefined;
    if (w.tensor) return (w.tensor.dims ?? []).map(toNumber);
    const t = w.constantNode?.attribute?.[0]?.t;
    return t ? (t.dims ?? []).map(toNumber) : [w.elements];
  };
  const dimsOf = (name: string) => tensors.get(name)?.dims ?? weightDims(name);
  const seenWeights = new Set<string>();
  const fallback = new Set<string>();
  const nodes: NodeProfile[] = index.nodes.map((n) => {
    const cost = nodeFlops(n.proto, dimsOf);
    if (cost.source === 'fallback') fallback.add(n.domain ? `${n.domain}.${n.opType}` : n.opType);
    let params = 0, weightBytes = 0;
    for (const r of [...n.inputs, ...n.outerReads]) {
      const w = index.weights.get(r);
      if (!w || seenWeights.has(r)) continue;
      seenWeights.add(r);
      params += w.elements;
      weightBytes += w.bytes;
    }
    const outputBytes = n.outputs.reduce((a, o) => a + (tensors.get(o)?.bytes ?? 0), 0);
    return { position: n.position, name: n.name, opType: n.opType, flops: cost.flops, costSource: cost.source, params, weightBytes, outputBytes };
  });
  return {
    index,
    name: index.graph.name || index.model.producerName || 'model',
    inputShapes,
    tensors,
    nodes,
    totalFlops: nodes.reduce((a, n) => a + n.flops, 0),
    totalParams: [...index.weights.values()].reduce((a, w) => a + w.elements, 0),
    totalWeightBytes,
    fallbackOps: [...fallback].sort(),
    profileMs: performance.now() - started,
  };
}

function mb(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
