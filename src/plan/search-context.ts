/**
 * Precomputed cost tables for one placement decision (one node set, one model), built once and
 * shared by every weighted search of a decision and of a weight sweep. Pure data, typed arrays.
 */
import type { PlanModel } from './plan-model';
import { COORDINATOR_ID, LAN_LINK_DEFAULTS, type LinkEstimate, type PlanInputs, type PlanNode } from './plan-types';

/** Joules per kWh. */
export const JOULES_PER_KWH = 3.6e6;

/** Cost tables; index N in link tables is the coordinator. */
export interface SearchContext {
  readonly model: PlanModel;
  readonly nodes: readonly PlanNode[];
  /** Graph node count n. */
  readonly positionCount: number;
  /** Cut positions the search may use, ascending, first 0 and last n. */
  readonly cuts: Int32Array;
  /** True when `cuts` holds every position 0..n. */
  readonly allCuts: boolean;
  readonly prefixFlops: Float64Array;
  readonly prefixWeightBytes: Float64Array;
  readonly crossingBytes: Float64Array;
  /** Per node: ms per FLOP of its fastest backend, slice overhead, running power, intensity, memory. */
  readonly msPerFlop: Float64Array;
  readonly overheadMs: Float64Array;
  readonly runWatts: Float64Array;
  readonly gramsCo2PerKwh: Float64Array;
  readonly memoryBytes: Float64Array;
  readonly backend: readonly string[];
  /** (N+1)x(N+1) one-way latency ms and ms per byte between endpoints (N = coordinator). */
  readonly linkLatencyMs: Float64Array;
  readonly linkMsPerByte: Float64Array;
  /** (N+1)x(N+1) gCO2 per byte sent between endpoints (0 when the network term is off). */
  readonly linkGramsPerByte: Float64Array;
  /** (N+1)x(N+1) joules per byte sent. */
  readonly linkJoulesPerByte: Float64Array;
}

function fastestBackend(node: PlanNode): [string, number] {
  let best: [string, number] = ['none', 0];
  for (const [backend, flops] of Object.entries(node.flopsPerSecondByBackend)) if (flops > best[1]) best = [backend, flops];
  return best;
}

/**
 * Cut candidates for big graphs: 0, n, the `count` positions with the fewest crossing bytes, and
 * evenly spaced positions so that balanced slices stay reachable.
 */
export function cutCandidates(model: PlanModel, count: number): Int32Array {
  const n = model.nodeCount;
  const chosen = new Set<number>([0, n]);
  const order = Array.from({ length: n - 1 }, (_, k) => k + 1).sort((a, b) => model.cutCrossingBytes[a]! - model.cutCrossingBytes[b]! || a - b);
  for (const p of order.slice(0, Math.ceil(count / 2))) chosen.add(p);
  const even = Math.floor(count / 2);
  for (let k = 1; k <= even; k++) chosen.add(Math.round((k * n) / (even + 1)));
  return Int32Array.from([...chosen].sort((a, b) => a - b));
}

/**
 * Build the tables. Slice compute time = FLOPs x msPerFlop + overhead; running power =
 * P_idle + u (P_max - P_idle) with u = `utilisationWhileRunning`; a hop costs
 * latency + bytes / bandwidth; network energy = bytes x networkKwhPerByte x 3.6e6 J, charged at
 * `networkGramsCo2PerKwh` or the mean intensity of the two endpoints.
 */
export function buildSearchContext(inputs: PlanInputs, nodes: readonly PlanNode[]): SearchContext {
  const model = inputs.model;
  const options = inputs.options ?? {};
  const n = model.nodeCount;
  const N = nodes.length;
  const allCuts = n <= (options.exactMaxPositions ?? 200);
  const cuts = allCuts ? Int32Array.from({ length: n + 1 }, (_, k) => k) : cutCandidates(model, options.cutCandidates ?? 40);
  const prefixFlops = new Float64Array(n + 1);
  const prefixWeightBytes = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    prefixFlops[i + 1] = prefixFlops[i]! + model.nodeFlops[i]!;
    prefixWeightBytes[i + 1] = prefixWeightBytes[i]! + model.nodeWeightBytes[i]!;
  }
  const u = options.utilisationWhileRunning ?? 1;
  const backend: string[] = [];
  const msPerFlop = new Float64Array(N);
  const overheadMs = new Float64Array(N);
  const runWatts = new Float64Array(N);
  const gramsCo2PerKwh = new Float64Array(N);
  const memoryBytes = new Float64Array(N);
  nodes.forEach((node, b) => {
    const [name, flops] = fastestBackend(node);
    backend.push(name);
    msPerFlop[b] = 1000 / flops;
    overheadMs[b] = node.sliceOverheadMs ?? 0;
    runWatts[b] = node.power.idleWatts + u * (node.power.maxWatts - node.power.idleWatts);
    gramsCo2PerKwh[b] = node.gramsCo2PerKwh;
    memoryBytes[b] = node.memoryBytes;
  });
  const E = N + 1;
  const linkLatencyMs = new Float64Array(E * E);
  const linkMsPerByte = new Float64Array(E * E);
  const linkGramsPerByte = new Float64Array(E * E);
  const linkJoulesPerByte = new Float64Array(E * E);
  const nodeDefault = inputs.linkDefaults ?? LAN_LINK_DEFAULTS;
  const coordinatorDefault = inputs.coordinatorLink ?? nodeDefault;
  const indexOf = new Map<string, number>(nodes.map((node, b) => [node.id, b]));
  indexOf.set(COORDINATOR_ID, N);
  const joulesPerByte = (options.networkKwhPerByte ?? 0) * JOULES_PER_KWH;
  const set = (a: number, b: number, link: LinkEstimate): void => {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      linkLatencyMs[x * E + y] = link.latencyMs;
      linkMsPerByte[x * E + y] = Number.isFinite(link.bandwidthBytesPerSecond) ? 1000 / link.bandwidthBytesPerSecond : 0;
    }
  };
  for (let a = 0; a < E; a++) {
    for (let b = 0; b < E; b++) {
      if (a !== b) set(a, b, a === N || b === N ? coordinatorDefault : nodeDefault);
      const endpoints = [a, b].filter((x) => x < N).map((x) => gramsCo2PerKwh[x]!);
      const intensity = options.networkGramsCo2PerKwh ?? (endpoints.length ? endpoints.reduce((s, v) => s + v, 0) / endpoints.length : 0);
      linkJoulesPerByte[a * E + b] = a === b ? 0 : joulesPerByte;
      linkGramsPerByte[a * E + b] = a === b ? 0 : (joulesPerByte / JOULES_PER_KWH) * intensity;
    }
  }
  for (const link of inputs.links ?? []) {
    const a = indexOf.get(link.fromId);
    const b = indexOf.get(link.toId);
    if (a !== undefined && b !== undefined && a !== b) set(a, b, link);
  }
  return {
    model, nodes, positionCount: n, cuts, allCuts, prefixFlops, prefixWeightBytes,
    crossingBytes: Float64Array.from(model.cutCrossingBytes),
    msPerFlop, overheadMs, runWatts, gramsCo2PerKwh, memoryBytes, backend,
    linkLatencyMs, linkMsPerByte, linkGramsPerByte, linkJoulesPerByte,
  };
}

/**
 * Memory a slice [start, end) needs: its weights plus the activation peak when the model gives one,
 * else the tensors crossing in and out (a conservative stand-in for the slice's working set).
 */
export function sliceMemoryBytes(ctx: SearchContext, start: number, end: number): number {
  const weights = ctx.prefixWeightBytes[end]! - ctx.prefixWeightBytes[start]!;
  const peak = ctx.model.activationBytesPeak;
  return weights + (peak ?? ctx.crossingBytes[start]! + ctx.crossingBytes[end]!);
}
