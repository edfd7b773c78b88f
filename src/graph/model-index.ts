/**
 * Step 2 of the recipe: index a decoded model once. Compute nodes get a fixed topological order
 * (the file's order when it is already topological, ONNX requires that, else a stable Kahn sort);
 * `Constant` nodes are treated as weights, like initializers: they never cross a cut, each slice
 * carries the ones it reads.
 */
import { MalformedGraphError } from './errors';
import { nodeOuterReads } from './subgraph-reads';
import {
  tensorProtoBytes, tensorProtoElements, toNumber,
  type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from './proto';

/** A compute node at its topological position. */
export interface IndexedNode {
  /** Position in the compute order: 0..nodeCount-1. */
  readonly position: number;
  /** Index in the file's node list. */
  readonly fileIndex: number;
  /** Op type, e.g. `Conv`. */
  readonly opType: string;
  /** Op domain, '' for the default ONNX domain. */
  readonly domain: string;
  /** Node name, or `#fileIndex` when the file gives none. */
  readonly name: string;
  /** Non-empty direct input names (optional empty inputs dropped). */
  readonly inputs: readonly string[];
  /** Outer-scope names read inside the node's subgraphs (If/Loop/Scan). */
  readonly outerReads: readonly string[];
  /** Non-empty output names. */
  readonly outputs: readonly string[];
  /** The node as decoded. */
  readonly proto: NodeProto;
}

/** A weight: an initializer or the value of a `Constant` node. */
export interface WeightInfo {
  /** Tensor name. */
  readonly name: string;
  /** Where it lives in the file. */
  readonly source: 'initializer' | 'constant';
  /** Element count. */
  readonly elements: number;
  /** Payload bytes. */
  readonly bytes: number;
  /** ONNX data type code. */
  readonly dataType: number;
  /** The initializer, when source is `initializer`. */
  readonly tensor?: TensorProto;
  /** The Constant node, when source is `constant`. */
  readonly constantNode?: NodeProto;
  /** File index of the Constant node (keeps slices in file order). */
  readonly fileIndex: number;
}

/** Everything later steps look up, built once by {@link indexModel}. */
export interface ModelIndex {
  /** The decoded model (not modified by any step). */
  readonly model: ModelProto;
  /** Its main graph. */
  readonly graph: GraphProto;
  /** Compute nodes in topological order. */
  readonly nodes: readonly IndexedNode[];
  /** Weights by tensor name. */
  readonly weights: ReadonlyMap<string, WeightInfo>;
  /** Real graph inputs (names listed in `input` that are not initializers), in file order. */
  readonly graphInputs: readonly ValueInfoProto[];
  /** Initializers also listed as graph inputs (IR < 4 style), in file order. */
  readonly initializerInputs: readonly ValueInfoProto[];
  /** Graph output names in file order. */
  readonly graphOutputs: readonly string[];
  /** Graph outputs as declared. */
  readonly graphOutputInfo: readonly ValueInfoProto[];
  /** Producer position of every non-weight tensor; -1 for graph inputs. */
  readonly producer: ReadonlyMap<string, number>;
  /** Sorted unique positions reading each tensor directly or from a subgraph. */
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  /** Declared value_info by name (graph inputs, outputs and value_info entries). */
  readonly valueInfo: ReadonlyMap<string, ValueInfoProto>;
}

/** Tensors a node reads: direct inputs then outer-scope reads. */
export function nodeReads(node: IndexedNode): string[] {
  return [...node.inputs, ...node.outerReads];
}

function isConstantNode(n: NodeProto): boolean {
  return n.opType === 'Constant' && (n.domain ?? '') === '' && (n.input ?? []).every((i) => !i);
}

function constantWeight(n: NodeProto, fileIndex: number): WeightInfo {
  const name = (n.output ?? [])[0] ?? '';
  const attr = (n.attribute ?? [])[0];
  let elements = 1, bytes = 4, dataType = 1;
  if (attr?.t) {
    elements = tensorProtoElements(attr.t);
    bytes = tensorProtoBytes(attr.t);
    dataType = attr.t.dataType ?? 1;
  } else if (attr?.name === 'value_floats') { elements = attr.floats?.length ?? 0; bytes = 4 * elements; }
  else if (attr?.name === 'value_ints') { elements = attr.ints?.length ?? 0; bytes = 8 * elements; dataType = 7; }
  else if (attr?.name === 'value_int') { bytes = 8; dataType = 7; }
  else if (attr?.name === 'value_string' || attr?.name === 'value_strings') { dataType = 8; bytes = 0; }
  return { name, source: 'constant', elements, bytes, dataType, constantNode: n, fileIndex };
}

/** Order compute nodes: file order if it is topological, else a Kahn sort preferring file order. */
function topoOrder(compute: { proto: NodeProto; fileIndex: number; reads: string[] }[], available: Set<string>): number[] {
  const producerOf = new Map<string, number>();
  compute.forEach((c, i) => { for (const o of c.proto.output ?? []) if (o) producerOf.set(o, i); });
  const missing = (name: string) => !available.has(name) && !producerOf.has(name);
  for (const c of compute) {
    const bad = c.reads.find(missing);
    if (bad !== undefined) {
      throw new MalformedGraphError(
        `node #${c.fileIndex} (${c.proto.opType} "${c.proto.name ?? ''}") reads "${bad}", which no node, input or initializer provides`,
      );
    }
  }
  const indegree = compute.map((c) => new Set(c.reads.filter((r) => producerOf.has(r)).map((r) => producerOf.get(r)!)));
  const dependents = compute.map(() => [] as number[]);
  indegree.forEach((deps, i) => { for (const d of deps) dependents[d]!.push(i); });
  const remaining = indegree.map((s) => s.size);
  const ready: number[] = [];
  remaining.forEach((r, i) => { if (r === 0) ready.push(i); });
  const order: number[] = [];
  while (ready.length > 0) {
    // Smallest file index first: keeps the file's order whenever it is already valid.
    let best = 0;
    for (let j = 1; j < ready.length; j++) if (ready[j]! < ready[best]!) best = j;
    const i = ready.splice(best, 1)[0]!;
    order.push(i);
    for (const d of dependents[i]!) if (--remaining[d]! === 0) ready.push(d);
  }
  if (order.length !== compute.length) {
    throw new MalformedGraphError(`graph has a cycle: ${compute.length - order.length} of ${compute.length} nodes never become ready`);
  }
  return order;
}

/**
 * Index a model: weights, real inputs, compute nodes in topological order, producers and consumers.
 *
 * @throws MalformedGraphError for reads of unknown tensors, cycles, or outputs nothing produces
 */
export function indexModel(model: ModelProto): ModelIndex {
  const graph = model.graph!;
  const weights = new Map<string, WeightInfo>();
  (graph.initializer ?? []).forEach((t, i) => {
    const name = t.name ?? '';
    weights.set(name, {
      name, source: 'initializer', elements: tensorProtoElements(t), bytes: tensorProtoBytes(t),
      dataType: t.dataType ?? 0, tensor: t, fileIndex: -1 - i,
    });
  });
  const compute: { proto: NodeProto; fileIndex: number; reads: string[]; inputs: string[]; outer: string[] }[] = [];
  (graph.node ?? []).forEach((n, fileIndex) => {
    if (isConstantNode(n)) {
      const w = constantWeight(n, fileIndex);
      weights.set(w.name, w);
      return;
    }
    const inputs = (n.input ?? []).filter((i) => i !== '');
    const outer = nodeOuterReads(n);
    compute.push({ proto: n, fileIndex, reads: [...inputs, ...outer], inputs, outer });
  });
  const graphInputs = (graph.input ?? []).filter((v) => !weights.has(v.name ?? ''));
  const initializerInputs = (graph.input ?? []).filter((v) => weights.get(v.name ?? '')?.source === 'initializer');
  const available = new Set<string>([...graphInputs.map((v) => v.name ?? ''), ...weights.keys()]);
  const order = topoOrder(compute, available);

  const producer = new Map<string, number>();
  for (const v of graphInputs) producer.set(v.name ?? '', -1);
  const nodes: IndexedNode[] = order.map((ci, position) => {
    const c = compute[ci]!;
    const outputs = (c.proto.output ?? []).filter((o) => o !== '');
    for (const o of outputs) producer.set(o, position);
    return {
      position, fileIndex: c.fileIndex, opType: c.proto.opType ?? '', domain: c.proto.domain ?? '',
      name: c.proto.name || `#${c.fileIndex}`, inputs: c.inputs, outerReads: c.outer, outputs, proto: c.proto,
    };
  });
  const consumers = new Map<string, number[]>();
  for (const n of nodes) {
    for (const r of new Set(nodeReads(n))) {
      const list = consumers.get(r);
      if (list) list.push(n.position); else consumers.set(r, [n.position]);
    }
  }
  const graphOutputs = (graph.output ?? []).map((v) => v.name ?? '');
  const unproduced = graphOutputs.find((o) => !producer.has(o) && !weights.has(o));
  if (unproduced !== undefined) throw new MalformedGraphError(`graph output "${unproduced}" is produced by no node, input or weight`);
  const valueInfo = new Map<string, ValueInfoProto>();
  for (const v of [...(graph.valueInfo ?? []), ...(graph.input ?? []), ...(graph.output ?? [])]) if (v.name) valueInfo.set(v.name, v);
  return {
    model, graph, nodes, weights, graphInputs, initializerInputs, graphOutputs,
    graphOutputInfo: graph.output ?? [], producer, consumers, valueInfo,
  };
}

/** Declared dims of a value (numbers for fixed dims, strings/undefined for dynamic ones). */
export function declaredDims(v: ValueInfoProto | undefined): (number | string | undefined)[] | undefined {
  const shape = v?.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => (d.dimValue !== null && d.dimValue !== undefined && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : d.dimParam || undefined));
}
