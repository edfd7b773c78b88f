/**
 * Turn a found path into a described {@link Pipeline}: per-slice time, backend, energy and carbon,
 * per-hop bytes and transfer time, and the pipeline's prediction. The formulas, per inference:
 *
 *     slice ms      = min over backends (fixedMs + sum_c FLOPs_c / rate_c) x correction   (search-context.ts)
 *     slice J       = (P_idle + u (P_max - P_idle)) x slice ms / 1000     u = busy / wall of the node
 *     slice gCO2    = slice J / 3.6e6 x intensity(node)
 *     hop ms        = link latency + bytes / bandwidth x 1000
 *     hop J, gCO2   = bytes x networkKwhPerByte x 3.6e6,  x intensity / 3.6e6   (off by default)
 *     latency       = sum of slice ms + sum of hop ms
 *     node load     = sum of its slices' ms + (bytes in + bytes out) x transferCpuMsPerByte
 *     group load    = sum of its nodes' loads / cores                      (shared host, HostGroup)
 *                     (slices' ms only when the group's cores were measured in the run: what its
 *                     executions reached is already net of moving bytes; HostGroup.measured)
 *                     + bytes x the group's transferCpuMsPerByte for each hop with both ends on the
 *                     host (the coordinator too when withCoordinator), in place of those ends'
 *                     transferCpuMsPerByte: every thread that moves them, not the main threads only
 *     throughput    = 1000 / max(node loads, group loads, each hop's bytes / bandwidth x 1000)
 *                     (the link's own bandwidth: a run's hop time scale lengthens hops, it does
 *                     not narrow links; PlanOptions.hopTimeScale)
 *
 * A host group's slices never overlap beyond its cores: three stages on three tabs of one
 * single-core machine run no faster than the whole model on one of them.
 */
import { COORDINATOR_ID, type ObjectiveVector, type Pipeline, type PlacedSlice, type PlannedHop } from './plan-types';
import type { PathStage } from './pipeline-search';
import { JOULES_PER_KWH, linkBetween, linkGramsPerByte, sliceCost, sliceMemoryBytes, type SearchContext } from './search-context';

/** A described pipeline plus its objective vector and the load it puts on processors. */
export interface EvaluatedPipeline {
  readonly pipeline: Pipeline;
  readonly objectives: ObjectiveVector;
  readonly nodeIndices: readonly number[];
  /** Processor ms per inference by host: `group:ID` for a shared host, `node:ID` for a node of its own. */
  readonly hostLoadMs: ReadonlyMap<string, number>;
  /** Cores of each host in `hostLoadMs`. */
  readonly hostCores: ReadonlyMap<string, number>;
}

function hop(ctx: SearchContext, position: number, a: number, b: number): { hop: PlannedHop; wireMs: number } {
  const N = ctx.nodes.length;
  const link = linkBetween(ctx, a, b);
  const bytes = ctx.crossingBytes[position]!;
  const wireMs = bytes * link.msPerByte;
  const id = (x: number): string => (x === N ? COORDINATOR_ID : ctx.nodes[x]!.id);
  return {
    hop: {
      fromId: id(a),
      toId: id(b),
      cutPosition: position,
      bytes,
      transferMs: link.latencyMs + wireMs,
      energyJoules: bytes * ctx.networkJoulesPerByte,
      gramsCo2: bytes * linkGramsPerByte(ctx, a, b),
    },
    wireMs,
  };
}

/**
 * The group whose own transfer figure a hop from endpoint a to b is charged by (both ends on it,
 * index N = the coordinator on its group's host; the figure given, the cores not measured), or -1.
 */
function hopHost(ctx: SearchContext, a: number, b: number): number {
  const N = ctx.nodes.length;
  const groupOf = (x: number): number => (x === N ? ctx.coordinatorGroup : ctx.groupOf[x]!);
  const g = groupOf(a);
  return g >= 0 && g === groupOf(b) && ctx.groupTransferCpu[g]! > 0 && !ctx.groupMeasured[g] ? g : -1;
}

/** The host a node computes on: its group, or itself. */
export function hostKey(ctx: SearchContext, b: number): string {
  const g = ctx.groupOf[b]!;
  return g >= 0 ? `group:${ctx.groupIds[g]}` : `node:${ctx.nodes[b]!.id}`;
}

/** Describe the pipeline of `stages` (share 1 until replication assigns shares). */
export function evaluatePath(ctx: SearchContext, stages: readonly PathStage[]): EvaluatedPipeline {
  const N = ctx.nodes.length;
  const slices: PlacedSlice[] = [];
  const hops: PlannedHop[] = [];
  const nodeLoad = new Map<number, number>();
  /** The part of each node's load that moves bytes (left out of a measured group's load). */
  const transferLoad = new Map<number, number>();
  /** The part of it the host's own figure covers (left out of its group's load: counted in `hostTransfer`). */
  const coveredLoad = new Map<number, number>();
  /** Host CPU of the hops inside a group that declares what moving a byte costs it, ms by group. */
  const hostTransfer = new Map<number, number>();
  const add = (map: Map<number, number>, key: number, ms: number): void => {
    map.set(key, (map.get(key) ?? 0) + ms);
  };
  const cpuPerByte = ctx.transferCpuMsPerByte;
  const moveBytes = (a: number, b: number, bytes: number): void => {
    const g = hopHost(ctx, a, b);
    if (g >= 0) add(hostTransfer, g, bytes * ctx.groupTransferCpu[g]!);
    for (const end of [a, b]) {
      if (end >= N) continue;
      add(nodeLoad, end, bytes * cpuPerByte);
      add(transferLoad, end, bytes * cpuPerByte);
      if (g >= 0) add(coveredLoad, end, bytes * cpuPerByte);
    }
  };
  let wireBottleneckMs = 0;
  let prev = N;
  for (const s of stages) {
    const h = hop(ctx, s.start, prev, s.node);
    hops.push(h.hop);
    wireBottleneckMs = Math.max(wireBottleneckMs, h.wireMs / ctx.hopTimeScale);
    moveBytes(prev, s.node, h.hop.bytes);
    const cost = sliceCost(ctx, s.node, s.start, s.end);
    const computeMs = cost.ms;
    const energyJoules = (ctx.runWatts[s.node]! * computeMs) / 1000;
    slices.push({
      sliceRange: [s.start, s.end],
      nodeId: ctx.nodes[s.node]!.id,
      backend: ctx.lineBackend[cost.line] ?? 'none',
      computeMs,
      energyJoules,
      gramsCo2: (energyJoules / JOULES_PER_KWH) * ctx.gramsCo2PerKwh[s.node]!,
      memoryBytes: sliceMemoryBytes(ctx, s.start, s.end),
    });
    add(nodeLoad, s.node, computeMs);
    prev = s.node;
  }
  const last = hop(ctx, ctx.positionCount, prev, N);
  hops.push(last.hop);
  moveBytes(prev, N, last.hop.bytes);
  wireBottleneckMs = Math.max(wireBottleneckMs, last.wireMs / ctx.hopTimeScale);
  const hostLoadMs = new Map<string, number>();
  const hostCores = new Map<string, number>();
  let bottleneckMs = wireBottleneckMs;
  for (const [b, ms] of nodeLoad) {
    bottleneckMs = Math.max(bottleneckMs, ms);
    const key = hostKey(ctx, b);
    const g = ctx.groupOf[b]!;
    const charged = ms - ((g >= 0 && ctx.groupMeasured[g] ? transferLoad : coveredLoad).get(b) ?? 0);
    hostLoadMs.set(key, (hostLoadMs.get(key) ?? 0) + charged);
    hostCores.set(key, g >= 0 ? ctx.groupCores[g]! : 1);
  }
  for (const [g, ms] of hostTransfer) {
    const key = `group:${ctx.groupIds[g]}`;
    hostLoadMs.set(key, (hostLoadMs.get(key) ?? 0) + ms);
    hostCores.set(key, ctx.groupCores[g]!);
  }
  for (const [key, ms] of hostLoadMs) bottleneckMs = Math.max(bottleneckMs, ms / hostCores.get(key)!);
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
    hostLoadMs,
    hostCores,
  };
}
