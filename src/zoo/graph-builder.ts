/**
 * A small builder for ONNX graphs with seeded random weights, used by the model catalogue. It knows
 * nothing about any architecture: it hands out unique names, fills initializers from a seeded
 * generator, records nodes in the order they are added (which is a valid topological order because
 * a node can only name tensors that already exist), and encodes a ModelProto with onnx-proto.
 *
 * Determinism: the same calls with the same seed give byte-identical models. Each initializer draws
 * from its own generator seeded by (model seed, tensor name), so adding a layer does not shift the
 * weights of the others, and floats are stored little-endian in raw_data.
 */
import type { onnx } from 'onnx-proto';
import { onnxProto } from './onnx-proto';
import { createPrng, deriveSeed } from './prng';

/** Opset of the default domain used by every generated model (17 has LayerNormalization). */
export const ZOO_OPSET = 17;
/** ONNX IR version written into generated models (8 is the first that allows opset 17). */
export const ZOO_IR_VERSION = 8;

/** A dimension: a fixed size or a symbolic name such as "batch". */
export type Dim = number | string;

/** A node attribute. Plain numbers are INT, arrays INTS; floats and strings are tagged. */
export type AttributeValue = number | readonly number[] | { readonly float: number } | { readonly string: string };

/**
 * How to fill a float initializer.
 * - `he`: uniform in [-a, a] with a = gain * sqrt(3 / fanIn), so the variance is gain^2 / fanIn
 *   (He et al. 2015 with gain sqrt(2) before a ReLU; gain 1 before a linear output).
 *   With `perOutputNorm`, each slice along the first axis (one output unit's fan-in weights) is
 *   rescaled to the exact expected L2 norm, gain: for small fans (a 3x3 depthwise filter has 9
 *   weights) the random norms spread by tens of percent, and without batch norm that per-channel
 *   gain noise compounds over depth.
 * - `uniform`: uniform in [-limit, limit].
 * - `constant`: every element equal to `value`.
 */
export type Init =
  | { readonly kind: 'he'; readonly fanIn: number; readonly gain?: number; readonly perOutputNorm?: boolean }
  | { readonly kind: 'uniform'; readonly limit: number }
  | { readonly kind: 'constant'; readonly value: number };

/** Options of a {@link GraphBuilder}. */
export interface GraphBuilderOptions {
  /** Graph name written into the model. */
  readonly name: string;
  /** Seed of every random initializer. */
  readonly seed: number;
}

/** What {@link GraphBuilder.build} writes besides the graph. */
export interface ModelMeta {
  /** Free text for ModelProto.doc_string. */
  readonly docString: string;
  /** Key/value pairs for metadata_props, written in sorted key order. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Thrown when a builder call names a tensor twice or names one that does not exist. */
export class GraphBuilderError extends Error {
  override readonly name = 'GraphBuilderError';
}

const FLOAT = 1; // onnx.TensorProto.DataType.FLOAT
const INT64 = 7; // onnx.TensorProto.DataType.INT64

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttributeValue): onnx.IAttributeProto {
  const T = onnxProto.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: [...(value as readonly number[])] };
  if ('float' in (value as object)) return { name, type: T.FLOAT, f: (value as { float: number }).float };
  return { name, type: T.STRING, s: new TextEncoder().encode((value as { string: string }).string) };
}

/** Rescale each of `rows` equal slices of `values` to L2 norm `norm` (float64 sums, then one rounding). */
function normalizeRows(values: Float32Array, rows: number, norm: number): void {
  const width = values.length / rows;
  for (let r = 0; r < rows; r++) {
    const row = values.subarray(r * width, (r + 1) * width);
    let sumSquares = 0;
    for (const v of row) sumSquares += v * v;
    if (sumSquares === 0) continue;
    const scale = norm / Math.sqrt(sumSquares);
    for (let i = 0; i < row.length; i++) row[i] = (row[i] as number) * scale;
  }
}

function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Builds one ONNX model; see the module comment for the guarantees. */
export class GraphBuilder {
  private readonly graphName: string;
  private readonly seed: number;
  private readonly known = new Set<string>();
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly scalars = new Map<number, string>();
  private floatParams = 0;

  constructor(options: GraphBuilderOptions) {
    this.graphName = options.name;
    this.seed = options.seed;
  }

  /** Number of float initializer elements so far (the model's parameter count). */
  get paramCount(): number {
    return this.floatParams;
  }

  private claim(name: string): string {
    if (this.known.has(name)) throw new GraphBuilderError(`tensor name "${name}" is used twice`);
    this.known.add(name);
    return name;
  }

  /** Declare a float32 graph input. */
  input(name: string, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(this.claim(name), FLOAT, dims));
    return name;
  }

  /** Declare an existing tensor as a float32 graph output. */
  output(name: string, dims: readonly Dim[]): void {
    if (!this.known.has(name)) throw new GraphBuilderError(`output "${name}" is not produced by the graph`);
    this.outputs.push(valueInfo(name, FLOAT, dims));
  }

  /** Add a float32 initializer filled by `init`; returns its name. Counts towards {@link paramCount}. */
  weight(name: string, dims: readonly number[], init: Init): string {
    const values = new Float32Array(elementCount(dims));
    if (init.kind === 'constant') {
      values.fill(init.value);
    } else {
      const limit = init.kind === 'he' ? (init.gain ?? Math.SQRT2) * Math.sqrt(3 / init.fanIn) : init.limit;
      const prng = createPrng(deriveSeed(this.seed, name));
      for (let i = 0; i < values.length; i++) values[i] = prng.symmetric(limit);
      if (init.kind === 'he' && init.perOutputNorm) normalizeRows(values, dims[0] ?? 1, init.gain ?? Math.SQRT2);
    }
    this.floatParams += values.length;
    return this.floatTensor(name, dims, values);
  }

  /** Add a float32 constant (not counted as a parameter), e.g. a Clip bound or a scale. */
  floatConstant(name: string, dims: readonly number[], values: readonly number[]): string {
    return this.floatTensor(name, dims, Float32Array.from(values));
  }

  /** A shared float32 scalar constant with the given value. */
  scalar(value: number): string {
    const existing = this.scalars.get(value);
    if (existing) return existing;
    const name = this.floatConstant(`const.f${this.scalars.size}`, [], [value]);
    this.scalars.set(value, name);
    return name;
  }

  /** Add an int64 constant (shapes, axes, indices); dims default to a 1-D vector. */
  int64Constant(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({ name: this.claim(name), dims: [...dims], dataType: INT64, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  private floatTensor(name: string, dims: readonly number[], values: Float32Array): string {
    // Typed arrays are little-endian on every platform we target (x86, ARM), as ONNX raw_data requires.
    this.initializers.push({ name: this.claim(name), dims: [...dims], dataType: FLOAT, rawData: new Uint8Array(values.buffer) });
    return name;
  }

  /**
   * Add a node with one output named `output` (also the node's name); returns that name. An empty
   * string in `inputs` is an omitted optional input.
   */
  op(opType: string, inputs: readonly string[], output: string, attributes: Readonly<Record<string, AttributeValue>> = {}): string {
    for (const input of inputs) {
      if (input !== '' && !this.known.has(input)) throw new GraphBuilderError(`node "${output}" (${opType}) reads unknown tensor "${input}"`);
    }
    this.nodes.push({
      name: output,
      opType,
      input: [...inputs],
      output: [this.claim(output)],
      attribute: Object.keys(attributes).sort().map((key) => attribute(key, attributes[key] as AttributeValue)),
    });
    return output;
  }

  /** Encode the model. The builder may be built only once it has at least one output. */
  build(meta: ModelMeta): Uint8Array {
    if (this.outputs.length === 0) throw new GraphBuilderError(`graph "${this.graphName}" has no outputs`);
    const model: onnx.IModelProto = {
      irVersion: ZOO_IR_VERSION,
      opsetImport: [{ domain: '', version: ZOO_OPSET }],
      producerName: 'carbonedge-zoo',
      producerVersion: '1',
      docString: meta.docString,
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.keys(meta.metadata).sort().map((key) => ({ key, value: meta.metadata[key] ?? '' })),
    };
    const encoded = onnxProto.ModelProto.encode(model).finish();
    // Under Node protobufjs returns a (possibly pooled) Buffer; hand out a plain, exact Uint8Array.
    const bytes = new Uint8Array(encoded.byteLength);
    bytes.set(encoded);
    return bytes;
  }
}
