/**
 * Step 4 of the recipe: cut candidates. A cut `c` (0..nodeCount) sits before the node at position
 * c. Its crossing set is every tensor produced before c (graph inputs count as produced at -1) and
 * read at or after c (graph outputs count as read at nodeCount): activations, int64 shape tensors
 * and outer-scope reads of control-flow subgraphs alike. Weights never cross: slices carry them.
 */
import type { ModelProfile, TensorInfo } from './profile-model';

/** One candidate cut. */
export interface CutPoint {
  /** Position: the cut sits before the node at this position (0 = graph inputs, nodeCount = outputs). */
  readonly position: number;
  /** Names of crossing tensors, sorted. */
  readonly crossing: readonly string[];
  /** Total bytes of the crossing tensors. */
  readonly crossingBytes: number;
  /** FLOPs of all nodes before the cut. */
  readonly flopsBefore: number;
}

/** A tensor crosses cut c when producer < c <= lastUse. */
export function crossesCut(t: TensorInfo, cut: number): boolean {
  return t.producer < cut && t.lastUse >= cut;
}

/** Crossing tensor names at one cut, sorted. */
export function crossingAt(profile: ModelProfile, cut: number): string[] {
  const out: string[] = [];
  for (const t of profile.tensors.values()) if (crossesCut(t, cut)) out.push(t.name);
  return out.sort();
}

/**
 * Crossing bytes at every cut 0..nodeCount in O(nodes + tensors): each tensor adds its bytes on
 * the half-open range [producer + 1, lastUse + 1).
 */
export function crossingBytesPerCut(profile: ModelProfile): number[] {
  const n = profile.nodes.length;
  const diff = new Array<number>(n + 2).fill(0);
  for (const t of profile.tensors.values()) {
    if (t.lastUse <= t.producer) continue;
    diff[t.producer + 1]! += t.bytes;
    diff[Math.min(t.lastUse, n) + 1]! -= t.bytes;
  }
  const out: number[] = [];
  let running = 0;
  for (let c = 0; c <= n; c++) {
    running += diff[c]!;
    out.push(running);
  }
  return out;
}

/** Prefix sums of FLOPs: index c = FLOPs of nodes [0, c). Length nodeCount + 1. */
export function flopsBeforeEachCut(profile: ModelProfile): number[] {
  const out = [0];
  for (const node of profile.nodes) out.push(out[out.length - 1]! + node.flops);
  return out;
}

/** Every candidate cut with its crossing set, bytes and cumulative FLOPs. */
export function listCutPoints(profile: ModelProfile): CutPoint[] {
  const bytes = crossingBytesPerCut(profile);
  const flops = flopsBeforeEachCut(profile);
  return bytes.map((crossingBytes, position) => ({
    position, crossing: crossingAt(profile, position), crossingBytes, flopsBefore: flops[position]!,
  }));
}
