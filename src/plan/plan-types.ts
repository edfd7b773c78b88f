/**
 * Inputs and outputs of our planner (see README.md for the formulas and defaults). Units are in the
 * names: ms, bytes, watts, joules, gCO2, gCO2/kWh, FLOP/s.
 */
import type { PlanModel } from './plan-model';

/** Device power model P = P_idle + u (P_max - P_idle), u = CPU utilisation in [0, 1]. */
export interface PowerModel {
  /** Draw when idle, W. */
  readonly idleWatts: number;
  /** Draw at full utilisation, W (>= idleWatts). */
  readonly maxWatts: number;
}

/**
 * Operator classes the cost model measures separately (src/graph classifies ONNX ops into them):
 * dense convolutions, depthwise/grouped convolutions, matrix products (MatMul/Gemm/attention),
 * element-wise arithmetic and activations, and memory-bound reshaping/pooling/normalisation.
 */
export const OP_CLASSES = ['conv', 'depthwise', 'matmul', 'elementwise', 'memory'] as const;
export type OpClass = (typeof OP_CLASSES)[number];

/**
 * What a node measured for one backend, in its own worker: FLOP/s per operator class and the fixed
 * cost of one session run. When a node has it, slice ms = fixedMsPerRun + sum over the slice's graph
 * nodes of FLOPs / rate(op class) (the model must carry `nodeOpClass`); else FLOPs / flopsPerSecond.
 */
export interface BackendCost {
  readonly flopsPerSecondByOpClass: Readonly<Record<OpClass, number>>;
  readonly fixedMsPerRun: number;
  /** `measured` (micro-benchmarks), `calibrated` (corrected from executions of a run), `assumed`. */
  readonly label: 'measured' | 'calibrated' | 'assumed';
}

/** One edge node as the planner sees it. */
export interface PlanNode {
  /** Stable node id. */
  readonly id: string;
  /** Measured speed per backend (e.g. `{ wasm: 2e9, webgpu: 9e9 }`), FLOP/s; the fastest is used. */
  readonly flopsPerSecondByBackend: Readonly<Record<string, number>>;
  /** Memory the node offers to slices, bytes. */
  readonly memoryBytes: number;
  /** Power model of the node. */
  readonly power: PowerModel;
  /** Grid intensity at the node, gCO2/kWh. */
  readonly gramsCo2PerKwh: number;
  /** Where the intensity came from (e.g. `bundled:FR 2023`, `configured`, `paper Table`). */
  readonly intensitySource: string;
  /** Fixed cost of running one slice (session dispatch), ms; default 0. */
  readonly sliceOverheadMs?: number;
  /** Per-operator-class cost per backend, when measured; wins over `flopsPerSecondByBackend`. */
  readonly costByBackend?: Readonly<Record<string, BackendCost>>;
  /**
   * Nodes sharing one processor (tabs of one browser, simulated nodes in one tab, lab pages on one
   * machine) carry the same group id; see `PlanInputs.hostGroups`.
   */
  readonly hostGroup?: string;
  /**
   * Busy / wall while the node runs a slice, in (0, 1]: 1 for a node that computes flat out, 1 / s
   * for a node duty-cycled by a slowdown s (workers/runtime-service.ts: compute t, idle (s - 1) t).
   * The planner charges P(u) x predicted wall ms, the rule the ledger charges executions by
   * (src/carbon/ledger.ts). Default: `options.utilisationWhileRunning`, else 1.
   */
  readonly utilisation?: number;
}

/** A set of nodes that share a processor: together they compute at most `cores` slices at once. */
export interface HostGroup {
  readonly id: string;
  readonly cores: number;
  /**
   * `cores` is what the group's slice executions reached in a run (src/cost/host-concurrency.ts):
   * the capacity everything else on the host left them, moving tensors included, so the plan
   * charges the group no transfer CPU on top (pipeline-evaluate.ts). Default false: `cores` are
   * the processor's, and moving bytes takes its share of them.
   */
  readonly measured?: boolean;
  /** The coordinator's tab runs on this host (simulated nodes in its tab, lab pages it opened). */
  readonly withCoordinator?: boolean;
  /**
   * CPU time the host spends per byte moved between two endpoints on it (two of its nodes, or one
   * and the coordinator when `withCoordinator`), ms: every thread and process that moves the bytes,
   * both ends together, which a page cannot see (its main thread is a small part of it; the lab
   * reads the machine's CPU time). When given, such a hop loads the group with bytes x this instead
   * of `PlanOptions.transferCpuMsPerByte` at each end; not charged when `measured`.
   */
  readonly transferCpuMsPerByte?: number;
}

/** A measured or assumed link between two endpoints ('coordinator' or node ids); symmetric. */
export interface PlanLink {
  readonly fromId: string;
  readonly toId: string;
  /** Throughput, bytes per second. */
  readonly bandwidthBytesPerSecond: number;
  /** One-way latency, ms. */
  readonly latencyMs: number;
}

/** Bandwidth and latency of a link that has not been measured. */
export interface LinkEstimate {
  readonly bandwidthBytesPerSecond: number;
  readonly latencyMs: number;
}

/** LAN defaults until measured: 100 Mbit/s (12.5 MB/s), 2 ms one way. */
export const LAN_LINK_DEFAULTS: LinkEstimate = { bandwidthBytesPerSecond: 12.5e6, latencyMs: 2 };

/** The endpoint id of the coordinator, which sends inputs and receives outputs. */
export const COORDINATOR_ID = 'coordinator';

/** Relative importance of the three objectives; each >= 0, summing to 1. */
export interface PlanWeights {
  readonly latency: number;
  readonly energy: number;
  readonly carbon: number;
}

/** Our planner's modes (weights over normalised objectives). */
export const PLANNER_MODES = {
  performance: { latency: 0.8, energy: 0.1, carbon: 0.1 },
  balanced: { latency: 0.4, energy: 0.2, carbon: 0.4 },
  green: { latency: 0.1, energy: 0.2, carbon: 0.7 },
} as const satisfies Record<string, PlanWeights>;

/** A mode name of {@link PLANNER_MODES}. */
export type PlannerMode = keyof typeof PLANNER_MODES;

/** Hard limits; every pipeline of a placement must meet them. */
export interface PlanConstraints {
  /** Latency per inference, ms. */
  readonly latencyBudgetMs?: number;
  /** gCO2 per inference. */
  readonly maxGramsCo2PerInference?: number;
  /** A carbon budget for a run of `inferences` inferences: caps gCO2 per inference at grams/inferences. */
  readonly carbonBudget?: { readonly grams: number; readonly inferences: number };
}

/** Tuning knobs with documented defaults (README.md). */
export interface PlanOptions {
  /** Up to this many nodes the exact DP over node subsets runs (default 6). */
  readonly exactMaxNodes?: number;
  /** Up to this many graph nodes every cut position is considered (default 200); beyond, candidates. */
  readonly exactMaxPositions?: number;
  /** Cut candidates kept for large graphs (default 40). */
  readonly cutCandidates?: number;
  /** CPU utilisation while a slice runs, for the power model (default 1). */
  readonly utilisationWhileRunning?: number;
  /** Network energy per byte sent, kWh (default 0: off on a LAN, docs/decisions.md). */
  readonly networkKwhPerByte?: number;
  /** Intensity charged to network energy, gCO2/kWh (default: mean of the two endpoints' nodes). */
  readonly networkGramsCo2PerKwh?: number;
  /** Maximum number of replicated pipelines (default 8). */
  readonly maxPipelines?: number;
  /** Fill each pipeline up to this fraction of its capacity before adding another (default 0.8). */
  readonly targetUtilisation?: number;
  /**
   * When replicating, a pipeline must reach this fraction of its nodes' standalone capacity, else
   * it is replaced by a whole-model pipeline on one of its nodes where one fits (default 0.9).
   */
  readonly replicaEfficiency?: number;
  /** Compute the heuristic's optimality gap against a relaxation (default true). */
  readonly reportGap?: boolean;
  /**
   * How far a mode may stray from its primary objective's best achievable value (default 0.05):
   * Performance keeps latency <= (1 + t) x the fastest placement, Green keeps gCO2 <= (1 + t) x the
   * lowest-carbon one. Explicit weights and Balanced have no primary objective.
   */
  readonly modeTolerance?: number;
  /**
   * Big swarms (more than `exactMaxNodes`): a node is dropped from a decision when at least this many
   * other nodes are at least as good on every cost the search sees (default 4); see node-pruning.ts.
   */
  readonly pruneDepth?: number;
  /**
   * CPU time that moving one byte costs each endpoint, ms (default 0). Counted against the
   * endpoints' processors (host groups) in throughput, never as wire time.
   */
  readonly transferCpuMsPerByte?: number;
  /**
   * Measured hop time / planned hop time in this run (default 1; src/swarm/run-controller.ts
   * hopScale). Multiplies every link's latency and per-byte time in latencies, never its capacity:
   * a hop that takes longer because the pages' main threads are busy carries as many bytes per
   * second, so throughput's wire bound stays the link's own bandwidth.
   */
  readonly hopTimeScale?: number;
}

/** Everything {@link plan} needs. */
export interface PlanInputs {
  readonly model: PlanModel;
  readonly nodes: readonly PlanNode[];
  /** Measured links; any pair not listed uses `linkDefaults`. */
  readonly links?: readonly PlanLink[];
  /** Unmeasured node-to-node links (default {@link LAN_LINK_DEFAULTS}). */
  readonly linkDefaults?: LinkEstimate;
  /** Unmeasured coordinator links (default: `linkDefaults`). */
  readonly coordinatorLink?: LinkEstimate;
  /** A mode (default `balanced` when no weights). */
  readonly mode?: PlannerMode;
  /** Explicit weights; win over `mode`. */
  readonly weights?: PlanWeights;
  readonly constraints?: PlanConstraints;
  /**
   * Expected request rate, inferences per second (default 0 = one pipeline), or `max`: as fast as
   * the swarm can go - pipelines are added while they add capacity (planner.ts).
   */
  readonly requestsPerSecond?: number | 'max';
  /** Processors shared by several nodes (nodes name them in `hostGroup`). */
  readonly hostGroups?: readonly HostGroup[];
  /**
   * Measured / predicted ms of one slice, keyed by `sliceKey(nodeId, backend, start, end)`
   * (search-context.ts); multiplies that slice's predicted ms. Written by the run loop's calibration.
   */
  readonly sliceCorrections?: ReadonlyMap<string, number>;
  readonly options?: PlanOptions;
}

/** One slice of a pipeline: the half-open range [start, end) of topological positions, and its node. */
export interface PlacedSlice {
  readonly sliceRange: readonly [start: number, end: number];
  readonly nodeId: string;
  /** Backend chosen for this slice: the one with the lowest predicted ms (after corrections). */
  readonly backend: string;
  readonly computeMs: number;
  readonly energyJoules: number;
  readonly gramsCo2: number;
  /** Weights + crossing tensors in and out + activation peak, bytes. */
  readonly memoryBytes: number;
}

/** One transfer of a pipeline (coordinator -> first slice, between slices, last slice -> coordinator). */
export interface PlannedHop {
  readonly fromId: string;
  readonly toId: string;
  /** Cut position the tensors cross (0 = inputs, nodeCount = outputs). */
  readonly cutPosition: number;
  readonly bytes: number;
  readonly transferMs: number;
  readonly energyJoules: number;
  readonly gramsCo2: number;
}

/** Predicted figures of one pipeline or of a whole placement, per inference. */
export interface Prediction {
  readonly latencyMs: number;
  /**
   * Sustainable inferences per second: 1000 / the busiest resource per inference (a node's slices,
   * a shared host group's slices / cores, a hop's wire time).
   */
  readonly throughputPerSecond: number;
  readonly energyJoules: number;
  readonly gramsCo2: number;
  readonly transferMs: number;
  readonly transferBytes: number;
}

/** One pipeline: its slices in order, its hops, and the share of requests routed to it. */
export interface Pipeline {
  readonly slices: readonly PlacedSlice[];
  readonly hops: readonly PlannedHop[];
  /** Fraction of requests routed here; the shares of a placement sum to 1. */
  readonly share: number;
  readonly prediction: Prediction;
}

/** Which slices run where, and each pipeline's share: all that predicting a placement again reads of it. */
export interface PlacementLayout {
  readonly pipelines: readonly { readonly share: number; readonly slices: readonly Pick<PlacedSlice, 'nodeId' | 'sliceRange' | 'backend'>[] }[];
}

/** The result of a successful plan. */
export interface Placement {
  readonly pipelines: readonly Pipeline[];
  /** Share-weighted means over pipelines; throughput is the sum of capacities. */
  readonly prediction: Prediction;
  /** Weights actually used. */
  readonly weights: PlanWeights;
  /** `exact` = optimal for the weighted objective; `heuristic` = cut candidates / relaxed nodes. */
  readonly method: 'exact' | 'heuristic';
  /** Heuristic only: (objective - lower bound) / lower bound of the first pipeline. */
  readonly gap?: number;
  /** Normalisation used: ideal and nadir (latency ms, energy J, gCO2) of the first pipeline's decision. */
  readonly normalisation: { readonly ideal: ObjectiveVector; readonly nadir: ObjectiveVector };
  /** Whether a constraint moved the choice away from the weighted optimum, and which. */
  readonly adjustedFor?: 'latency' | 'carbon';
}

/** (latency ms, energy J, gCO2) of one inference. */
export interface ObjectiveVector {
  readonly latencyMs: number;
  readonly energyJoules: number;
  readonly gramsCo2: number;
}

/** The constraint or input that made a plan impossible. */
export type BindingConstraint = 'input' | 'memory' | 'latency' | 'carbon' | 'latency+carbon' | 'rate';

/** Outcome of {@link plan}: a placement, or the reason there is none. */
export type PlanResult =
  | { readonly ok: true; readonly placement: Placement }
  | { readonly ok: false; readonly reason: string; readonly binding: BindingConstraint };
