/**
 * The planner's view of a model: per-node cost along one topological order and the bytes that cross
 * each cut position. Structurally identical to the interface exported by src/graph/plan-model.ts
 * (being written concurrently); declared here so the planner depends only on its shape.
 */

import type { OpClass } from './plan-types';

/** A profiled model reduced to what placement needs. */
export interface PlanModel {
  /** Display name, e.g. `mobilenetv2`. */
  name: string;
  /** Number of graph nodes in topological order. */
  nodeCount: number;
  /** FLOPs of the node at each topological position (length nodeCount). */
  nodeFlops: number[];
  /** Weight (initializer) bytes owned by the node at each topological position (length nodeCount). */
  nodeWeightBytes: number[];
  /**
   * Bytes crossing a cut placed before node i (length nodeCount + 1): index 0 = the graph inputs,
   * index nodeCount = the graph outputs.
   */
  cutCrossingBytes: number[];
  /** Peak bytes of live activations while running the whole model, when known. */
  activationBytesPeak?: number;
  /** Operator class of the node at each topological position (length nodeCount), when known. */
  nodeOpClass?: OpClass[];
}

function badArray(values: readonly number[], length: number): string | undefined {
  if (values.length !== length) return `has length ${values.length}, expected ${length}`;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v) || v < 0) return `[${i}] is ${v}, expected a finite number >= 0`;
  }
  return undefined;
}

/**
 * Check a {@link PlanModel}; returns a one-line reason when it cannot be planned, else undefined.
 * Rules: nodeCount >= 1, arrays of the stated lengths, every value finite and >= 0, some FLOPs.
 */
export function planModelProblem(model: PlanModel): string | undefined {
  const n = model.nodeCount;
  if (!Number.isInteger(n) || n < 1) return `model "${model.name}": nodeCount must be a whole number >= 1, got ${n}`;
  const checks: Array<[string, readonly number[], number]> = [
    ['nodeFlops', model.nodeFlops, n],
    ['nodeWeightBytes', model.nodeWeightBytes, n],
    ['cutCrossingBytes', model.cutCrossingBytes, n + 1],
  ];
  for (const [name, values, length] of checks) {
    const problem = badArray(values, length);
    if (problem) return `model "${model.name}": ${name} ${problem}`;
  }
  if (model.nodeFlops.reduce((a, b) => a + b, 0) <= 0) return `model "${model.name}" has zero FLOPs in total`;
  const peak = model.activationBytesPeak;
  if (peak !== undefined && (!Number.isFinite(peak) || peak < 0)) {
    return `model "${model.name}": activationBytesPeak is ${peak}, expected a finite number >= 0`;
  }
  return undefined;
}

/** Total FLOPs of a model. */
export function totalFlops(model: PlanModel): number {
  return model.nodeFlops.reduce((a, b) => a + b, 0);
}
