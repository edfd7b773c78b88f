/**
 * An independent MAC and parameter counter for the zoo tests: decodes the built bytes, infers every
 * tensor's shape for a concrete input shape (propagating small int64 values through shape branches),
 * and sums multiply-accumulates of Conv, Gemm and MatMul (the convention of torchvision/fvcore
 * figures; element-wise ops, pooling and softmax count zero). Deliberately shares no code with
 * src/zoo or src/graph, so that it checks them rather than repeating them.
 */
import onnxProtoPackage from 'onnx-proto';
import type { onnx } from 'onnx-proto';

const { onnx: proto } = onnxProtoPackage as unknown as { onnx: typeof onnx };

/** What the counter found. */
export interface GraphCount {
  macs: number;
  params: number;
  /** MACs per op type. */
  macsByOp: Record<string, number>;
  /** Node count per op type. */
  nodesByOp: Record<string, number>;
  /** Inferred shape of every graph output. */
  outputShapes: Record<string, number[]>;
}

type LongLike = number | { toNumber(): number };
const num = (v: LongLike | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'number' ? v : v.toNumber());
const prod = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

function tensorInts(t: onnx.ITensorProto): number[] | undefined {
  if (t.dataType !== 7 && t.dataType !== 6) return undefined;
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData;
    const copy = raw.slice();
    return t.dataType === 7 ? Array.from(new BigInt64Array(copy.buffer), Number) : Array.from(new Int32Array(copy.buffer));
  }
  return t.dataType === 7 ? (t.int64Data ?? []).map((v) => num(v as LongLike)) : [...(t.int32Data ?? [])];
}

function attr(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}
const attrInt = (n: onnx.INodeProto, name: string, fallback: number): number => {
  const a = attr(n, name);
  return a ? num(a.i as LongLike) : fallback;
};
const attrInts = (n: onnx.INodeProto, name: string): number[] | undefined => attr(n, name)?.ints?.map((v) => num(v as LongLike));

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Count MACs and parameters of a model for concrete input shapes. Throws on an op it does not know. */
export function countGraph(bytes: Uint8Array, inputShapes: Record<string, number[]>): GraphCount {
  const model = proto.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new Error('model has no graph');
  const shapes = new Map<string, number[]>();
  const values = new Map<string, number[]>();
  let params = 0;
  const countFloat = (t: onnx.ITensorProto): void => {
    const dims = (t.dims ?? []).map((d) => num(d as LongLike));
    if (t.dataType === 1 && dims.length > 0) params += prod(dims);
  };
  for (const t of graph.initializer ?? []) {
    shapes.set(t.name ?? '', (t.dims ?? []).map((d) => num(d as LongLike)));
    const ints = tensorInts(t);
    if (ints) values.set(t.name ?? '', ints);
    countFloat(t);
  }
  for (const [name, dims] of Object.entries(inputShapes)) shapes.set(name, dims);
  const macsByOp: Record<string, number> = {};
  const nodesByOp: Record<string, number> = {};
  const shapeOf = (name: string | undefined): number[] => {
    const s = shapes.get(name ?? '');
    if (!s) throw new Error(`no shape for tensor "${name}"`);
    return s;
  };
  const valueOf = (name: string | undefined): number[] => {
    const v = values.get(name ?? '');
    if (!v) throw new Error(`no constant value for tensor "${name}"`);
    return v;
  };
  for (const node of graph.node ?? []) {
    const op = node.opType ?? '';
    const ins = node.input ?? [];
    const out = node.output?.[0] ?? '';
    nodesByOp[op] = (nodesByOp[op] ?? 0) + 1;
    let macs = 0;
    let shape: number[];
    const x = (): number[] => shapeOf(ins[0]);
    switch (op) {
      case 'Constant': {
        const t = attr(node, 'value')?.t;
        if (!t) throw new Error(`Constant ${out} without a tensor value`);
        shape = (t.dims ?? []).map((d) => num(d as LongLike));
        const ints = tensorInts(t);
        if (ints) values.set(out, ints);
        countFloat(t);
        break;
      }
      case 'Conv': {
        const [n = 1, , h = 1, w = 1] = x();
        const wDims = shapeOf(ins[1]);
        const [cOut = 1, cInPerGroup = 1, kh = 1, kw = 1] = wDims;
        const strides = attrInts(node, 'strides') ?? [1, 1];
        const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
        const dil = attrInts(node, 'dilations') ?? [1, 1];
        const oh = Math.floor((h + (pads[0] ?? 0) + (pads[2] ?? 0) - (dil[0] ?? 1) * (kh - 1) - 1) / (strides[0] ?? 1)) + 1;
        const ow = Math.floor((w + (pads[1] ?? 0) + (pads[3] ?? 0) - (dil[1] ?? 1) * (kw - 1) - 1) / (strides[1] ?? 1)) + 1;
        shape = [n, cOut, oh, ow];
        macs = prod(shape) * cInPerGroup * kh * kw;
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const [n = 1, c = 1, h = 1, w = 1] = x();
        const [kh = 1, kw = 1] = attrInts(node, 'kernel_shape') ?? [];
        const strides = attrInts(node, 'strides') ?? [1, 1];
        const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
        const oh = Math.floor((h + (pads[0] ?? 0) + (pads[2] ?? 0) - kh) / (strides[0] ?? 1)) + 1;
        const ow = Math.floor((w + (pads[1] ?? 0) + (pads[3] ?? 0) - kw) / (strides[1] ?? 1)) + 1;
        shape = [n, c, oh, ow];
        break;
      }
      case 'GlobalAveragePool': {
        const [n = 1, c = 1] = x();
        shape = [n, c, 1, 1];
        break;
      }
      case 'Flatten': {
        const s = x();
        const axis = attrInt(node, 'axis', 1);
        shape = [prod(s.slice(0, axis)), prod(s.slice(axis))];
        break;
      }
      case 'Gemm': {
        const a = x();
        const b = shapeOf(ins[1]);
        const m = attrInt(node, 'transA', 0) ? a[1] ?? 1 : a[0] ?? 1;
        const k = attrInt(node, 'transA', 0) ? a[0] ?? 1 : a[1] ?? 1;
        const n = attrInt(node, 'transB', 0) ? b[0] ?? 1 : b[1] ?? 1;
        shape = [m, n];
        macs = m * n * k;
        break;
      }
      case 'MatMul': {
        const a = x();
        const b = shapeOf(ins[1]);
        const batch = broadcast(a.slice(0, -2), b.slice(0, -2));
        const m = a[a.length - 2] ?? 1;
        const k = a[a.length - 1] ?? 1;
        const n = b[b.length - 1] ?? 1;
        shape = [...batch, m, n];
        macs = prod(batch) * m * n * k;
        break;
      }
      case 'Add': case 'Sub': case 'Mul': case 'Div': case 'Pow':
        shape = broadcast(x(), shapeOf(ins[1]));
        break;
      case 'Relu': case 'Clip': case 'Sigmoid': case 'HardSigmoid': case 'Erf': case 'Softmax': case 'Sqrt':
      case 'BatchNormalization': case 'LayerNormalization': case 'Cast': case 'Identity': case 'Dropout': case 'Tanh':
        shape = x();
        if (op === 'Cast' && values.has(ins[0] ?? '')) values.set(out, valueOf(ins[0]));
        break;
      case 'Shape':
        shape = [x().length];
        values.set(out, x());
        break;
      case 'Gather': {
        const data = x();
        const idx = valueOf(ins[1]);
        const idxShape = shapeOf(ins[1]);
        const axis = attrInt(node, 'axis', 0);
        shape = [...data.slice(0, axis), ...idxShape, ...data.slice(axis + 1)];
        if (values.has(ins[0] ?? '')) values.set(out, idx.map((i) => valueOf(ins[0])[i < 0 ? i + data[0]! : i] ?? 0));
        break;
      }
      case 'Unsqueeze': {
        const axes = ins[1] ? valueOf(ins[1]) : attrInts(node, 'axes') ?? [];
        shape = [...x()];
        for (const a of [...axes].sort((p, q) => p - q)) shape.splice(a < 0 ? a + shape.length + 1 : a, 0, 1);
        if (values.has(ins[0] ?? '')) values.set(out, valueOf(ins[0]));
        break;
      }
      case 'Concat': {
        const parts = ins.map((i) => shapeOf(i));
        const first = parts[0] ?? [];
        const axis = (attrInt(node, 'axis', 0) + first.length) % first.length;
        shape = [...first];
        shape[axis] = parts.reduce((sum, p) => sum + (p[axis] ?? 0), 0);
        if (ins.every((i) => values.has(i))) values.set(out, ins.flatMap((i) => valueOf(i)));
        break;
      }
      case 'Slice': {
        // Opset < 10 carries starts/ends as attributes, later opsets as inputs (1-D data only here).
        const data = valueOf(ins[0]);
        const start = (ins[1] ? valueOf(ins[1]) : attrInts(node, 'starts') ?? [])[0] ?? 0;
        const end = (ins[2] ? valueOf(ins[2]) : attrInts(node, 'ends') ?? [])[0] ?? data.length;
        const v = data.slice(start, Math.min(end, data.length));
        values.set(out, v);
        shape = [v.length];
        break;
      }
      case 'Reshape': {
        const input = x();
        const target = [...valueOf(ins[1])].map((d, i) => (d === 0 ? input[i] ?? 1 : d));
        const known = prod(target.filter((d) => d !== -1));
        shape = target.map((d) => (d === -1 ? prod(input) / known : d));
        break;
      }
      case 'Transpose': {
        const input = x();
        const perm = attrInts(node, 'perm') ?? input.map((_, i) => input.length - 1 - i);
        shape = perm.map((p) => input[p] ?? 1);
        break;
      }
      case 'Expand':
        shape = broadcast(x(), valueOf(ins[1]));
        break;
      default:
        throw new Error(`mac-counter: unsupported op ${op} (node ${node.name})`);
    }
    shapes.set(out, shape);
    macsByOp[op] = (macsByOp[op] ?? 0) + macs;
  }
  const outputShapes: Record<string, number[]> = {};
  for (const o of graph.output ?? []) outputShapes[o.name ?? ''] = shapeOf(o.name ?? '');
  return { macs: Object.values(macsByOp).reduce((a, b) => a + b, 0), params, macsByOp, nodesByOp, outputShapes };
}
