/**
 * The paper's scheduler (CarbonEdge, arXiv 2603.27420, Eq. 3-4 and Table I), reproduced as a
 * baseline: each whole inference goes to the node with the highest score
 *
 *     S = wR S_R + wL S_L + wP S_P + wB S_B + wC S_C
 *
 * with AMP4EC's details where the paper is silent (shared PAPER.md). Units the paper leaves open
 * are {@link PaperPolicyOptions} with the defaults in {@link PAPER_POLICY_DEFAULTS}; README.md says
 * why each was chosen. Scores are deliberately NOT normalised: that is the paper's behaviour.
 */

/** Weights of the five score terms. */
export interface PaperWeights {
  readonly resource: number;
  readonly load: number;
  readonly performance: number;
  readonly balance: number;
  readonly carbon: number;
}

/** Table I of the paper (wR, wL, wP, wB, wC). */
export const PAPER_MODES = {
  performance: { resource: 0.25, load: 0.25, performance: 0.3, balance: 0.15, carbon: 0.05 },
  balanced: { resource: 0.2, load: 0.2, performance: 0.15, balance: 0.15, carbon: 0.3 },
  green: { resource: 0.15, load: 0.15, performance: 0.1, balance: 0.1, carbon: 0.5 },
} as const satisfies Record<string, PaperWeights>;

/** A mode name of {@link PAPER_MODES}. */
export type PaperMode = keyof typeof PAPER_MODES;

/** Choices the paper leaves open; see {@link PAPER_POLICY_DEFAULTS}. */
export interface PaperPolicyOptions {
  /** CPU a task needs, in CPUs (S_R denominator). */
  readonly cpuNeeded: number;
  /** Memory a task needs, MB (S_R denominator). */
  readonly memoryNeededMb: number;
  /** Cap each S_R ratio at 1: a node with more than the task needs is not better for it. */
  readonly capResourceRatios: boolean;
  /** Execution times kept per node (AMP4EC: last 5). */
  readonly historyLength: number;
  /** Time unit of the load term, ms: load = min(1, mean(last times / unit) / loadDivisor). */
  readonly loadTimeUnitMs: number;
  /** AMP4EC's divisor of the load term (100). */
  readonly loadDivisor: number;
  /** Time unit of S_P, ms: S_P = 1 / (1 + mean time / unit). */
  readonly performanceTimeUnitMs: number;
  /** S_P of a node without history (AMP4EC: 0.5). */
  readonly performanceWithoutHistory: number;
  /** Divisor of E_est = P x T_avg(ms) / divisor (paper: 3.6e6, i.e. watt-hours). */
  readonly carbonEnergyDivisor: number;
  /** Skip a node whose load exceeds this (paper: 0.8). */
  readonly maxLoad: number;
  /** Skip a node whose mean execution time exceeds this, ms (paper: a threshold, value not given). */
  readonly maxLatencyMs: number;
  /** Tie-breaker: each score gets + U(0, f) x (max - min score among candidates), f in [0, 0.05]. */
  readonly tieBreakerFraction: number;
}

/**
 * Defaults, chosen so that the paper's scenario shows its reported spreads (S_C about 0.054,
 * S_P about 0.166) and its switch near wC = 0.50 - see README.md for the numbers.
 */
export const PAPER_POLICY_DEFAULTS: PaperPolicyOptions = {
  cpuNeeded: 0.4,
  memoryNeededMb: 256,
  capResourceRatios: true,
  historyLength: 5,
  loadTimeUnitMs: 1000,
  loadDivisor: 100,
  performanceTimeUnitMs: 1000,
  performanceWithoutHistory: 0.5,
  carbonEnergyDivisor: 3.6e6,
  maxLoad: 0.8,
  maxLatencyMs: 5000,
  tieBreakerFraction: 0.05,
};

/** What the scheduler knows about one node at decision time. */
export interface PaperNodeState {
  readonly id: string;
  /** CPU available to a task, CPUs (the container quota). */
  readonly cpuAvailable: number;
  /** Memory available, MB. */
  readonly memoryAvailableMb: number;
  /** Grid intensity, gCO2/kWh. */
  readonly gramsCo2PerKwh: number;
  /** The power the scheduler assumes for the node, W (P_node of E_est). */
  readonly scoringPowerWatts: number;
  /** Recent execution times, ms, oldest first. */
  readonly executionTimesMs: readonly number[];
  /** Tasks currently running on the node. */
  readonly taskCount: number;
}

/** The terms of one node's score; `skipped` says why a node was not a candidate. */
export interface PaperNodeScore {
  readonly id: string;
  readonly resource: number;
  readonly load: number;
  readonly performance: number;
  readonly balance: number;
  readonly carbon: number;
  readonly total: number;
  readonly skipped?: string;
}

/** Reason when weights are unusable: negative, not finite, or not summing to 1 (1e-6). */
export function paperWeightsProblem(w: PaperWeights): string | undefined {
  const entries = Object.entries(w) as Array<[string, number]>;
  for (const [name, value] of entries) {
    if (!Number.isFinite(value) || value < 0) return `paper weight ${name} must be a finite number >= 0, got ${value}`;
  }
  const sum = entries.reduce((acc, [, v]) => acc + v, 0);
  if (Math.abs(sum - 1) > 1e-6) return `paper weights must sum to 1, got ${+sum.toFixed(6)}`;
  return undefined;
}

/** Weights for wC = `carbon` with the other four in Performance-mode proportions (scaled by 1 - wC). */
export function sweepPaperWeights(carbon: number): PaperWeights {
  const p = PAPER_MODES.performance;
  const rest = 1 - p.carbon;
  const k = (1 - carbon) / rest;
  return { resource: p.resource * k, load: p.load * k, performance: p.performance * k, balance: p.balance * k, carbon };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Score one node (no tie-breaker):
 *
 *     S_R = 0.5 min(1, cpu_avail / cpu_needed) + 0.5 min(1, mem_avail / mem_needed)   (caps optional)
 *     load = min(1, mean(last times in loadTimeUnit) / loadDivisor),   S_L = 1 - load
 *     S_P = 1 / (1 + mean(last times in performanceTimeUnit)), or 0.5 without history
 *     S_B = 1 / (1 + 2 task_count)
 *     S_C = 1 / (1 + I x E_est),  E_est = P_node x T_avg(ms) / carbonEnergyDivisor
 *
 * A node is skipped when load > maxLoad or its mean time > maxLatencyMs.
 */
export function scorePaperNode(node: PaperNodeState, w: PaperWeights, o: PaperPolicyOptions = PAPER_POLICY_DEFAULTS): PaperNodeScore {
  const cap = (x: number): number => (o.capResourceRatios ? Math.min(1, x) : x);
  const resource = 0.5 * cap(node.cpuAvailable / o.cpuNeeded) + 0.5 * cap(node.memoryAvailableMb / o.memoryNeededMb);
  const history = node.executionTimesMs.slice(-o.historyLength);
  const meanMs = history.length > 0 ? mean(history) : undefined;
  const loadValue = meanMs === undefined ? 0 : Math.min(1, meanMs / o.loadTimeUnitMs / o.loadDivisor);
  const performance = meanMs === undefined ? o.performanceWithoutHistory : 1 / (1 + meanMs / o.performanceTimeUnitMs);
  const balance = 1 / (1 + 2 * node.taskCount);
  const energyEstimate = meanMs === undefined ? 0 : (node.scoringPowerWatts * meanMs) / o.carbonEnergyDivisor;
  const carbon = 1 / (1 + node.gramsCo2PerKwh * energyEstimate);
  const load = 1 - loadValue;
  const total = w.resource * resource + w.load * load + w.performance * performance + w.balance * balance + w.carbon * carbon;
  const skipped =
    loadValue > o.maxLoad ? `load ${loadValue.toFixed(3)} > ${o.maxLoad}`
    : meanMs !== undefined && meanMs > o.maxLatencyMs ? `mean time ${meanMs.toFixed(1)} ms > ${o.maxLatencyMs} ms`
    : undefined;
  return { id: node.id, resource, load, performance, balance, carbon, total, ...(skipped ? { skipped } : {}) };
}

/**
 * Pick the node for the next task: the highest score among non-skipped nodes after the seeded
 * tie-breaker. Returns -1 (with the scores) when every node is skipped. The jitter is a fraction of
 * the score spread, not of the score: it reorders only near-ties, as a tie-breaker should; a jitter
 * of 5% of S itself would flip Balanced's 0.9% margin and contradict the paper's Table V.
 */
export function choosePaperNode(
  nodes: readonly PaperNodeState[],
  w: PaperWeights,
  random: () => number,
  o: PaperPolicyOptions = PAPER_POLICY_DEFAULTS,
): { readonly index: number; readonly scores: readonly PaperNodeScore[] } {
  const scores = nodes.map((n) => scorePaperNode(n, w, o));
  let max = -Infinity;
  let min = Infinity;
  for (const s of scores) {
    if (s.skipped) continue;
    max = Math.max(max, s.total);
    min = Math.min(min, s.total);
  }
  const spread = max > min ? max - min : 0;
  let index = -1;
  let best = -Infinity;
  scores.forEach((s, k) => {
    const jitter = random() * o.tieBreakerFraction * spread;
    if (s.skipped) return;
    if (s.total + jitter > best) {
      best = s.total + jitter;
      index = k;
    }
  });
  return { index, scores };
}
