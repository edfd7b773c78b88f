/**
 * Turn a found path into a described {@link Pipeline}: per-slice time, energy and carbon, per-hop
 * bytes and transfer time, and the pipeline's prediction. The formulas, per inference:
 *
 *     slice ms      = FLOPs(slice) / FLOP/s(node) x 1000 + sliceOverheadMs
 *     slice J       = (P_idle + u (P_max - P_idle)) x slice ms / 1000
 *     slice gCO2    = slice J / 3.6e6 x intensity(node)
 *     hop ms        = link latency + bytes / bandwidth x 1000
 *     hop J, gCO2   = bytes x networkKwhPerByte x 3.6e6,  x intensity / 3.6e6   (off by default)
 *     latency       = sum of slice ms + sum of hop ms
 *     throughput    = 1000 / max(slowest slice ms, slowest hop's bytes / bandwidth x 1000)
 */
import { COORDINATOR_ID, type ObjectiveVector, type Pipeline, type PlacedSlice, type PlannedHop } from './plan-types';
import type { PathStage } from './pipeline-search';
import { JOULES_PER_KWH, sliceMemoryBytes, type SearchContext } from './search-context';

/** A described pipeline plus its objective vector (share filled in later). */
export interface EvaluatedPipeline {
  readonly pipeline: Pipeline;
  readonly objectives: ObjectiveVector;
  readonly nodeIndices: readonly number[];
}

function hop(ctx: SearchContext, position: number, a: number, b: number): { hop: PlannedHop; wireMs: number } {
  const N = ctx.nodes.length;
  const k = a * (N + 1) + b;
  const bytes = ctx.crossingBytes[position]!;
  const wireMs = bytes * ctx.linkMsPerByte[k]!;
  const id = (x: number): string => (x === N ? COORDINATOR_ID : ctx.nodes[x]!.id);
  return {
    hop: {
      fromId: id(a),
      toId: id(b),
      cutPosition: position,
      bytes,
      transferMs: ctx.linkLatencyMs[k]! + wireMs,
      energyJoules: bytes * ctx.linkJoulesPerByte[k]!,
      gramsCo2: bytes * ctx.linkGramsPerByte[k]!,
    },
    wireMs,
  };
}

/** Describe the pipeline of `stages` (share 1 until replication assigns shares). */
export function evaluatePath(ctx: SearchContext, stages: readonly PathStage[]): EvaluatedPipeline {
  const N = ctx.nodes.length;
  const slices: PlacedSlice[] = [];
  const hops: PlannedHop[] = [];
  let bottleneckMs = 0;
  let prev = N;
  for (const s of stages) {
    const h = hop(ctx, s.start, prev, s.node);
    hops.push(h.hop);
    bottleneckMs = Math.max(bottleneckMs, h.wireMs);
    const computeMs = (ctx.prefixFlops[s.end]! - ctx.prefixFlops[s.start]!) * ctx.msPerFlop[s.node]! + ctx.overheadMs[s.node]!;
    const energyJoules = (ctx.runWatts[s.node]! * computeMs) / 1000;
    slices.push({
      sliceRange: [s.start, s.end],
      nodeId: ctx.nodes[s.node]!.id,
      backend: ctx.backend[s.node]!,
      computeMs,
      energyJoules,
      gramsCo2: (energyJoules / JOULES_PER_KWH) * ctx.gramsCo2PerKwh[s.node]!,
      memoryBytes: sliceMemoryBytes(ctx, s.start, s.end),
    });
    bottleneckMs = Math.max(bottleneckMs, computeMs);
    prev = s.node;
  }
  const last = hop(ctx, ctx.positionCount, prev, N);
  hops.push(last.hop);
  bottleneckMs = Math.max(bottleneckMs, last.wireMs);
  const sum = <T>(xs: readonly T[], key: { [K in keyof T]: T[K] extends number ? K : never }[keyof T]): number =>
    xs.reduce((acc, x) => acc + (x[key] as number), 0);
  const transferMs = sum(hops, 'transferMs');
  const latencyMs = sum(slices, 'computeMs') + transferMs;
  const energyJoules = sum(slices, 'energyJoules') + sum(hops, 'energyJoules');
  const gramsCo2 = sum(slices, 'gramsCo2') + sum(hops, 'gramsCo2');
  const prediction = {
    latencyMs,
    throughputPerSecond: bottleneckMs > 0 ? 1000 / bottleneckMs : Infinity,
    energyJoules,
    gramsCo2,
    transferMs,
    transferBytes: sum(hops, 'bytes'),
  };
  return {
    pipeline: { slices, hops, share: 1, prediction },
    objectives: { latencyMs, energyJoules, gramsCo2 },
    nodeIndices: stages.map((s) => s.node),
  };
}
