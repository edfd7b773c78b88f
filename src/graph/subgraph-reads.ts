/** Outer-scope reads of control-flow subgraphs (If, Loop, Scan and any op with graph attributes). */
import type { GraphProto, NodeProto } from './proto';

/** Every subgraph held by a node's attributes (`g` and `graphs`). */
export function nodeSubgraphs(node: NodeProto): GraphProto[] {
  const out: GraphProto[] = [];
  for (const attr of node.attribute ?? []) {
    if (attr.g) out.push(attr.g);
    for (const g of attr.graphs ?? []) out.push(g);
  }
  return out;
}

/**
 * Names a subgraph reads that it does not define itself, recursively through nested subgraphs:
 * these must come from the enclosing scope, so a cut has to carry them like ordinary inputs.
 * A subgraph output may itself be an outer name (ONNX allows it), so outputs count as reads.
 */
export function subgraphOuterReads(graph: GraphProto): Set<string> {
  const defined = new Set<string>();
  for (const v of graph.input ?? []) if (v.name) defined.add(v.name);
  for (const t of graph.initializer ?? []) if (t.name) defined.add(t.name);
  for (const t of graph.sparseInitializer ?? []) if (t.values?.name) defined.add(t.values.name);
  for (const n of graph.node ?? []) for (const o of n.output ?? []) if (o) defined.add(o);
  const reads = new Set<string>();
  for (const n of graph.node ?? []) {
    for (const i of n.input ?? []) if (i) reads.add(i);
    for (const g of nodeSubgraphs(n)) for (const r of subgraphOuterReads(g)) reads.add(r);
  }
  for (const v of graph.output ?? []) if (v.name) reads.add(v.name);
  for (const d of defined) reads.delete(d);
  return reads;
}

/** Outer-scope names read by all subgraphs of one node, sorted for determinism. */
export function nodeOuterReads(node: NodeProto): string[] {
  const reads = new Set<string>();
  for (const g of nodeSubgraphs(node)) for (const r of subgraphOuterReads(g)) reads.add(r);
  return [...reads].sort();
}
