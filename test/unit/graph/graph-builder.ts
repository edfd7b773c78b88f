/** Builds small ONNX models in code for the graph tests (no fixtures on disk). */
import { onnx, type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../../../src/graph/proto';

const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

/** Attribute helpers. */
export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: AT.INT, i }),
  ints: (name: string, ints: number[]): AttributeProto => ({ name, type: AT.INTS, ints }),
  float: (name: string, f: number): AttributeProto => ({ name, type: AT.FLOAT, f }),
  graph: (name: string, g: GraphProto): AttributeProto => ({ name, type: AT.GRAPH, g }),
  tensor: (name: string, t: TensorProto): AttributeProto => ({ name, type: AT.TENSOR, t }),
};

/** A float32 tensor proto (raw little-endian data). */
export function floatTensor(name: string, dims: number[], values: number[]): TensorProto {
  return { name, dims, dataType: 1, rawData: new Uint8Array(Float32Array.from(values).buffer) };
}

/** An int64 tensor proto. */
export function int64Tensor(name: string, dims: number[], values: number[]): TensorProto {
  return { name, dims, dataType: 7, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) };
}

/** A typed value_info; dims may be symbolic strings. */
export function valueInfo(name: string, dims: (number | string)[] | undefined, elemType = 1): ValueInfoProto {
  const shape = dims ? { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } : undefined;
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

/** Seeded pseudo-random values in [-1, 1) for weights. */
export function values(count: number, seed = 7): number[] {
  let s = seed;
  return Array.from({ length: count }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}

/** Fluent builder of one graph. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];

  input(name: string, dims: (number | string)[], elemType = 1): this {
    this.inputs.push(valueInfo(name, dims, elemType));
    return this;
  }

  output(name: string, elemType = 1, dims?: (number | string)[]): this {
    this.outputs.push(valueInfo(name, dims, elemType));
    return this;
  }

  init(t: TensorProto): this {
    this.initializers.push(t);
    return this;
  }

  node(opType: string, input: string[], output: string[], attribute: AttributeProto[] = []): this {
    this.nodes.push({ opType, input, output, attribute, name: `${opType}_${this.nodes.length}` });
    return this;
  }

  /** A paddle2onnx-style weight: a Constant node holding a tensor. */
  constant(t: TensorProto): this {
    return this.node('Constant', [], [t.name!], [attr.tensor('value', t)]);
  }

  graph(name = 'g'): GraphProto {
    return { name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs };
  }

  /** Encode as a model. */
  build(opset = 13, irVersion = 8): Uint8Array {
    return onnx.ModelProto.encode({
      irVersion, producerName: 'graph-builder', opsetImport: [{ domain: '', version: opset }],
      metadataProps: [{ key: 'origin', value: 'test' }], graph: this.graph('test'),
    }).finish();
  }
}
