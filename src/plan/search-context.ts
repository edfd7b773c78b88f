/**
 * Precomputed cost tables for one placement decision (one node set, one model), built once and
 * shared by every weighted search of a decision and of a sweep. Pure data, typed arrays.
 *
 * Slice compute time on node b, per backend line l of b (README.md "Cost model"):
 *
 *     ms_l(start, end) = fixedMs_l + sum_c (F_c(end) - F_c(start)) x msPerFlop_{l,c}
 *     ms(start, end)   = min_l ms_l(start, end) x correction(node, l, start, end)
 *
 * with F_c the prefix sums of FLOPs of operator class c. A node with `costByBackend` on a model with
 * `nodeOpClass` has one line per measured backend (fixedMs = fixedMsPerRun, per-class rates); any
 * other node has one line per backend with fixedMs = sliceOverheadMs and one rate for every class
 * (so its fastest backend always wins: today's rule). Corrections (`PlanInputs.sliceCorrections`,
 * keyed by {@link sliceKey}) multiply one backend's prediction for one exact slice.
 */
import type { PlanModel } from './plan-model';
import {
  COORDINATOR_ID, LAN_LINK_DEFAULTS, OP_CLASSES,
  type LinkEstimate, type PlanInputs, type PlanNode,
} from './plan-types';

/** Joules per kWh. */
export const JOULES_PER_KWH = 3.6e6;

/**
 * The key of a per-slice correction factor: node id, backend and the half-open range of topological
 * positions, e.g. `node-7|wasm|0|53`. The run loop's calibration writes measured / predicted ms
 * under this key in `PlanInputs.sliceCorrections`.
 */
export function sliceKey(nodeId: string, backend: string, start: number, end: number): string {
  return `${nodeId}|${backend}|${start}|${end}`;
}

/** Cost tables; endpoint index N (= node count) is the coordinator. */
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
  /** Operator classes in the cost tables: 5 with `nodeOpClass`, else 1 (all FLOPs). */
  readonly classCount: number;
  /** Prefix FLOPs per class, class-major: classPrefix[c * (n + 1) + p]. */
  readonly classPrefix: Float64Array;
  /** Backend lines: node b owns lines lineStart[b] .. lineStart[b + 1] - 1. */
  readonly lineStart: Int32Array;
  readonly lineBackend: readonly string[];
  readonly lineFixedMs: Float64Array;
  /** ms per FLOP per class, line-major: lineMsPerFlop[l * classCount + c]. */
  readonly lineMsPerFlop: Float64Array;
  /** Per node: running power P_idle + u (P_max - P_idle) with u = the node's utilisation, W. */
  readonly runWatts: Float64Array;
  readonly gramsCo2PerKwh: Float64Array;
  readonly memoryBytes: Float64Array;
  /** Per node: index of its host group in `groupCores`, or -1 (a processor of its own). */
  readonly groupOf: Int32Array;
  readonly groupCores: Float64Array;
  /** Per group: 1 when its cores were measured net of moving bytes (HostGroup.measured), else 0. */
  readonly groupMeasured: Uint8Array;
  /** Per group: host CPU ms per byte moved between two of its endpoints (HostGroup.transferCpuMsPerByte), 0 when not given. */
  readonly groupTransferCpu: Float64Array;
  /** The group the coordinator's tab runs on (HostGroup.withCoordinator), or -1. */
  readonly coordinatorGroup: number;
  readonly groupIds: readonly string[];
  /** Per node: correction factors by position pair (start * (n + 1) + end) and line. */
  readonly corrections: ReadonlyArray<ReadonlyMap<number, ReadonlyMap<number, number>> | undefined>;
  /** Default node-to-node link. */
  readonly nodeLink: LinkEstimate;
  /** Per node: coordinator link latency ms and ms per byte. */
  readonly coordinatorLatencyMs: Float64Array;
  readonly coordinatorMsPerByte: Float64Array;
  /** Measured node-to-node links, keyed a * N + b (both directions stored). */
  readonly measuredLinks: ReadonlyMap<number, { readonly latencyMs: number; readonly msPerByte: number }>;
  /** Per node: true when it has a measured link to another node. */
  readonly hasMeasuredLink: Uint8Array;
  /** Network energy per byte sent, J (0 when the network term is off). */
  readonly networkJoulesPerByte: number;
  /** Intensity charged to network energy, gCO2/kWh; NaN = mean of the endpoints' nodes. */
  readonly networkGramsCo2PerKwh: number;
  /** CPU time moving one byte costs each endpoint (for throughput on shared hosts), ms. */
  readonly transferCpuMsPerByte: number;
  /** PlanOptions.hopTimeScale (1 by default): links above are scaled by it; capacity is not. */
  readonly hopTimeScale: number;
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

/** Whether the model and this node give a per-operator-class cost (else the FLOP/s rule). */
export function usesClassCosts(model: PlanModel, node: PlanNode): boolean {
  return model.nodeOpClass !== undefined && node.costByBackend !== undefined && Object.keys(node.costByBackend).length > 0;
}

/** The utilisation (busy / wall) a node runs a slice at: its own, else the option, else 1. */
export function nodeUtilisation(inputs: Pick<PlanInputs, 'options'>, node: PlanNode): number {
  return node.utilisation ?? inputs.options?.utilisationWhileRunning ?? 1;
}

/**
 * Build the tables for `nodes` (a subset of `inputs.nodes` is allowed). Running power follows the
 * ledger (src/carbon/ledger.ts): P(u) x wall with u = busy / wall; the predicted slice ms is the
 * wall time, so slice J = (P_idle + u (P_max - P_idle)) x ms / 1000.
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
  const opClass = model.nodeOpClass;
  const C = opClass ? OP_CLASSES.length : 1;
  const classPrefix = new Float64Array(C * (n + 1));
  if (opClass) {
    const classIndex = new Map<string, number>(OP_CLASSES.map((c, k) => [c, k]));
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < n; i++) {
        const own = classIndex.get(opClass[i]!) === c ? model.nodeFlops[i]! : 0;
        classPrefix[c * (n + 1) + i + 1] = classPrefix[c * (n + 1) + i]! + own;
      }
    }
  } else {
    classPrefix.set(prefixFlops);
  }
  const lineStart = new Int32Array(N + 1);
  const lineBackend: string[] = [];
  const fixed: number[] = [];
  const rates: number[] = [];
  const runWatts = new Float64Array(N);
  const gramsCo2PerKwh = new Float64Array(N);
  const memoryBytes = new Float64Array(N);
  const groupIndex = new Map<string, number>();
  const groupIds: string[] = [];
  const cores: number[] = [];
  const measured: number[] = [];
  const groupTransferCpu: number[] = [];
  let coordinatorGroup = -1;
  for (const g of inputs.hostGroups ?? []) {
    if (groupIndex.has(g.id)) continue;
    if (g.withCoordinator && coordinatorGroup < 0) coordinatorGroup = groupIds.length;
    groupIndex.set(g.id, groupIds.length);
    groupIds.push(g.id);
    cores.push(g.cores);
    measured.push(g.measured ? 1 : 0);
    groupTransferCpu.push(g.transferCpuMsPerByte ?? 0);
  }
  const groupOf = new Int32Array(N).fill(-1);
  const corrections: Array<Map<number, Map<number, number>> | undefined> = new Array(N).fill(undefined);
  const nodeIndex = new Map<string, number>(nodes.map((node, b) => [node.id, b]));
  nodes.forEach((node, b) => {
    lineStart[b] = lineBackend.length;
    if (opClass && usesClassCosts(model, node)) {
      for (const [backend, cost] of Object.entries(node.costByBackend!)) {
        lineBackend.push(backend);
        fixed.push(cost.fixedMsPerRun);
        for (const c of OP_CLASSES) rates.push(1000 / cost.flopsPerSecondByOpClass[c]);
      }
    } else {
      for (const [backend, flops] of Object.entries(node.flopsPerSecondByBackend)) {
        if (!(flops > 0)) continue;
        lineBackend.push(backend);
        fixed.push(node.sliceOverheadMs ?? 0);
        for (let c = 0; c < C; c++) rates.push(1000 / flops);
      }
    }
    const u = nodeUtilisation(inputs, node);
    runWatts[b] = node.power.idleWatts + u * (node.power.maxWatts - node.power.idleWatts);
    gramsCo2PerKwh[b] = node.gramsCo2PerKwh;
    memoryBytes[b] = node.memoryBytes;
    if (node.hostGroup !== undefined) {
      let g = groupIndex.get(node.hostGroup);
      if (g === undefined) {
        // A group named by a node but not declared: its nodes share one processor.
        g = groupIds.length;
        groupIndex.set(node.hostGroup, g);
        groupIds.push(node.hostGroup);
        cores.push(1);
        measured.push(0);
        groupTransferCpu.push(0);
      }
      groupOf[b] = g;
    }
  });
  lineStart[N] = lineBackend.length;
  for (const [key, factor] of inputs.sliceCorrections ?? []) {
    const parts = key.split('|');
    if (parts.length !== 4) continue;
    const b = nodeIndex.get(parts[0]!);
    if (b === undefined) continue;
    let line = -1;
    for (let l = lineStart[b]!; l < lineStart[b + 1]!; l++) if (lineBackend[l] === parts[1]) line = l;
    const start = Number(parts[2]);
    const end = Number(parts[3]);
    if (line < 0 || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > n || start >= end) continue;
    const perNode = corrections[b] ?? new Map<number, Map<number, number>>();
    corrections[b] = perNode;
    const pair = start * (n + 1) + end;
    const perPair = perNode.get(pair) ?? new Map<number, number>();
    perPair.set(line, factor);
    perNode.set(pair, perPair);
  }
  // Links as they time hops in this run (PlanOptions.hopTimeScale); capacity is unscaled in pipeline-evaluate.ts.
  const hopTimeScale = options.hopTimeScale ?? 1;
  const scaled = (link: LinkEstimate): LinkEstimate => (hopTimeScale === 1 ? link : { latencyMs: link.latencyMs * hopTimeScale, bandwidthBytesPerSecond: link.bandwidthBytesPerSecond / hopTimeScale });
  const nodeLink = scaled(inputs.linkDefaults ?? LAN_LINK_DEFAULTS);
  const coordinatorDefault = inputs.coordinatorLink ? scaled(inputs.coordinatorLink) : nodeLink;
  const msPerByte = (link: LinkEstimate): number => (Number.isFinite(link.bandwidthBytesPerSecond) ? 1000 / link.bandwidthBytesPerSecond : 0);
  const coordinatorLatencyMs = new Float64Array(N).fill(coordinatorDefault.latencyMs);
  const coordinatorMsPerByte = new Float64Array(N).fill(msPerByte(coordinatorDefault));
  const measuredLinks = new Map<number, { latencyMs: number; msPerByte: number }>();
  const hasMeasuredLink = new Uint8Array(N);
  for (const given of inputs.links ?? []) {
    const link = { ...given, ...scaled(given) };
    const fromCoordinator = link.fromId === COORDINATOR_ID;
    const toCoordinator = link.toId === COORDINATOR_ID;
    const a = nodeIndex.get(link.fromId);
    const b = nodeIndex.get(link.toId);
    if (fromCoordinator !== toCoordinator) {
      const node = fromCoordinator ? b : a;
      if (node === undefined) continue;
      coordinatorLatencyMs[node] = link.latencyMs;
      coordinatorMsPerByte[node] = msPerByte(link);
    } else if (a !== undefined && b !== undefined && a !== b) {
      const value = { latencyMs: link.latencyMs, msPerByte: msPerByte(link) };
      measuredLinks.set(a * N + b, value);
      measuredLinks.set(b * N + a, value);
      hasMeasuredLink[a] = 1;
      hasMeasuredLink[b] = 1;
    }
  }
  return {
    model, nodes, positionCount: n, cuts, allCuts, prefixFlops, prefixWeightBytes,
    crossingBytes: Float64Array.from(model.cutCrossingBytes),
    classCount: C, classPrefix, lineStart, lineBackend,
    lineFixedMs: Float64Array.from(fixed), lineMsPerFlop: Float64Array.from(rates),
    runWatts, gramsCo2PerKwh, memoryBytes,
    groupOf, groupCores: Float64Array.from(cores), groupMeasured: Uint8Array.from(measured),
    groupTransferCpu: Float64Array.from(groupTransferCpu), coordinatorGroup, groupIds,
    corrections,
    nodeLink, coordinatorLatencyMs, coordinatorMsPerByte, measuredLinks, hasMeasuredLink,
    networkJoulesPerByte: (options.networkKwhPerByte ?? 0) * JOULES_PER_KWH,
    networkGramsCo2PerKwh: options.networkGramsCo2PerKwh ?? NaN,
    transferCpuMsPerByte: options.transferCpuMsPerByte ?? 0,
    hopTimeScale,
  };
}

/** Uncorrected ms of the slice [start, end) on backend line l. */
export function lineMs(ctx: SearchContext, l: number, start: number, end: number): number {
  const C = ctx.classCount;
  const stride = ctx.positionCount + 1;
  let ms = ctx.lineFixedMs[l]!;
  for (let c = 0; c < C; c++) {
    const flops = ctx.classPrefix[c * stride + end]! - ctx.classPrefix[c * stride + start]!;
    if (flops > 0) ms += flops * ctx.lineMsPerFlop[l * C + c]!;
  }
  return ms;
}

/**
 * Predicted ms of slice [start, end) on node b and the backend line that gives it (the fastest
 * after corrections).
 */
export function sliceCost(ctx: SearchContext, b: number, start: number, end: number): { ms: number; line: number } {
  const perPair = ctx.corrections[b]?.get(start * (ctx.positionCount + 1) + end);
  let best = Infinity;
  let line = ctx.lineStart[b]!;
  for (let l = ctx.lineStart[b]!; l < ctx.lineStart[b + 1]!; l++) {
    const ms = lineMs(ctx, l, start, end) * (perPair?.get(l) ?? 1);
    if (ms < best) {
      best = ms;
      line = l;
    }
  }
  return { ms: best, line };
}

/** Predicted ms of slice [start, end) on node b (see {@link sliceCost}). */
export function sliceMs(ctx: SearchContext, b: number, start: number, end: number): number {
  return sliceCost(ctx, b, start, end).ms;
}

/** One-way latency ms and ms per byte from endpoint a to b (index N = the coordinator). */
export function linkBetween(ctx: SearchContext, a: number, b: number): { latencyMs: number; msPerByte: number } {
  const N = ctx.nodes.length;
  if (a === N || b === N) {
    const node = a === N ? b : a;
    return { latencyMs: ctx.coordinatorLatencyMs[node]!, msPerByte: ctx.coordinatorMsPerByte[node]! };
  }
  return ctx.measuredLinks.get(a * N + b) ?? { latencyMs: ctx.nodeLink.latencyMs, msPerByte: Number.isFinite(ctx.nodeLink.bandwidthBytesPerSecond) ? 1000 / ctx.nodeLink.bandwidthBytesPerSecond : 0 };
}

/** gCO2 per byte sent from endpoint a to b (0 when the network term is off). */
export function linkGramsPerByte(ctx: SearchContext, a: number, b: number): number {
  if (ctx.networkJoulesPerByte === 0) return 0;
  const N = ctx.nodes.length;
  let intensity = ctx.networkGramsCo2PerKwh;
  if (Number.isNaN(intensity)) {
    const ends = [a, b].filter((x) => x < N).map((x) => ctx.gramsCo2PerKwh[x]!);
    intensity = ends.length ? ends.reduce((s, v) => s + v, 0) / ends.length : 0;
  }
  return (ctx.networkJoulesPerByte / JOULES_PER_KWH) * intensity;
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

/** The most memory any slice can need (the whole model's weights plus the largest working set). */
export function maxSliceMemoryBytes(ctx: SearchContext): number {
  const peak = ctx.model.activationBytesPeak;
  let cross = 0;
  if (peak === undefined) {
    const sorted = [...ctx.crossingBytes].sort((a, b) => b - a);
    cross = (sorted[0] ?? 0) + (sorted[1] ?? 0);
  }
  return ctx.prefixWeightBytes[ctx.positionCount]! + (peak ?? cross);
}
