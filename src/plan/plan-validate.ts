/**
 * Input checks for the planner. Bad input is an expected outcome here: each check returns a one-line
 * reason naming the value that failed, so that no NaN or silent default ever reaches a placement.
 */
import { planModelProblem } from './plan-model';
import { COORDINATOR_ID, OP_CLASSES, PLANNER_MODES, type PlanInputs, type PlanWeights } from './plan-types';

const isNonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isPositive = (v: unknown): v is number => isNonNegative(v) && v > 0;

/**
 * Check weights: each finite and >= 0, summing to 1 within 1e-6. Returns a reason or undefined.
 */
export function weightsProblem(weights: PlanWeights): string | undefined {
  const entries = [['latency', weights.latency], ['energy', weights.energy], ['carbon', weights.carbon]] as const;
  for (const [name, value] of entries) {
    if (!isNonNegative(value)) return `weight ${name} must be a finite number >= 0, got ${value}`;
  }
  const sum = weights.latency + weights.energy + weights.carbon;
  if (Math.abs(sum - 1) > 1e-6) {
    return `weights must sum to 1, got ${weights.latency} + ${weights.energy} + ${weights.carbon} = ${+sum.toFixed(6)}`;
  }
  return undefined;
}

/** The weights a request means: explicit weights win over the mode; default mode `balanced`. */
export function resolveWeights(inputs: Pick<PlanInputs, 'weights' | 'mode'>): PlanWeights {
  if (inputs.weights) return inputs.weights;
  return PLANNER_MODES[inputs.mode ?? 'balanced'];
}

/** Every problem with `inputs` that makes planning meaningless; the first one found, or undefined. */
export function planInputsProblem(inputs: PlanInputs): string | undefined {
  const modelProblem = planModelProblem(inputs.model);
  if (modelProblem) return modelProblem;
  if (inputs.nodes.length === 0) return 'no nodes to plan on';
  if (inputs.mode !== undefined && !(inputs.mode in PLANNER_MODES)) {
    return `unknown mode "${inputs.mode}" (have: ${Object.keys(PLANNER_MODES).join(', ')})`;
  }
  const weights = weightsProblem(resolveWeights(inputs));
  if (weights) return weights;
  const ids = new Set<string>();
  for (const node of inputs.nodes) {
    const name = `node "${node.id}"`;
    if (!node.id || node.id === COORDINATOR_ID) return `node id "${node.id}" is empty or reserved`;
    if (ids.has(node.id)) return `${name} is listed twice`;
    ids.add(node.id);
    const speeds = Object.entries(node.flopsPerSecondByBackend);
    for (const [backend, flops] of speeds) {
      if (!isNonNegative(flops)) return `${name}: speed of ${backend} must be a finite FLOP/s >= 0, got ${flops}`;
    }
    if (!speeds.some(([, flops]) => flops > 0)) return `${name} has zero speed on every backend`;
    if (!isPositive(node.memoryBytes)) return `${name}: memoryBytes must be > 0, got ${node.memoryBytes}`;
    if (!isNonNegative(node.power.idleWatts) || !isNonNegative(node.power.maxWatts) || node.power.maxWatts < node.power.idleWatts) {
      return `${name}: power needs 0 <= idleWatts <= maxWatts, got ${node.power.idleWatts} and ${node.power.maxWatts}`;
    }
    if (!isNonNegative(node.gramsCo2PerKwh)) return `${name}: gramsCo2PerKwh must be >= 0, got ${node.gramsCo2PerKwh}`;
    if (node.sliceOverheadMs !== undefined && !isNonNegative(node.sliceOverheadMs)) {
      return `${name}: sliceOverheadMs must be >= 0, got ${node.sliceOverheadMs}`;
    }
    if (node.utilisation !== undefined && !(isPositive(node.utilisation) && node.utilisation <= 1)) {
      return `${name}: utilisation (busy / wall) must be in (0, 1], got ${node.utilisation}`;
    }
    for (const [backend, cost] of Object.entries(node.costByBackend ?? {})) {
      if (!isNonNegative(cost.fixedMsPerRun)) return `${name}: ${backend} fixedMsPerRun must be >= 0 ms, got ${cost.fixedMsPerRun}`;
      for (const c of OP_CLASSES) {
        const rate = cost.flopsPerSecondByOpClass[c];
        if (!isPositive(rate)) return `${name}: ${backend} rate for ${c} must be a finite FLOP/s > 0, got ${rate}`;
      }
    }
    if (node.hostGroup !== undefined && node.hostGroup === '') return `${name}: hostGroup must not be empty`;
  }
  const groups = new Set<string>();
  for (const g of inputs.hostGroups ?? []) {
    if (!g.id) return 'host group id must not be empty';
    if (groups.has(g.id)) return `host group "${g.id}" is listed twice`;
    groups.add(g.id);
    if (!isPositive(g.cores)) return `host group "${g.id}": cores must be > 0, got ${g.cores}`;
    if (g.measured !== undefined && typeof g.measured !== 'boolean') return `host group "${g.id}": measured must be true or false, got ${String(g.measured)}`;
    if (g.withCoordinator !== undefined && typeof g.withCoordinator !== 'boolean') return `host group "${g.id}": withCoordinator must be true or false, got ${String(g.withCoordinator)}`;
    if (g.transferCpuMsPerByte !== undefined && !isNonNegative(g.transferCpuMsPerByte)) return `host group "${g.id}": transferCpuMsPerByte must be >= 0, got ${g.transferCpuMsPerByte}`;
  }
  for (const [key, factor] of inputs.sliceCorrections ?? []) {
    const parts = key.split('|');
    if (parts.length !== 4 || !ids.has(parts[0]!) || !/^\d+$/.test(parts[2]!) || !/^\d+$/.test(parts[3]!) || +parts[2]! >= +parts[3]! || +parts[3]! > inputs.model.nodeCount) {
      return `slice correction key "${key}" must be sliceKey(nodeId, backend, start, end) of a listed node with 0 <= start < end <= ${inputs.model.nodeCount}`;
    }
    if (!isPositive(factor)) return `slice correction "${key}" must be a finite factor > 0, got ${factor}`;
  }
  const links = [...(inputs.links ?? []), ...(inputs.linkDefaults ? [inputs.linkDefaults] : []), ...(inputs.coordinatorLink ? [inputs.coordinatorLink] : [])];
  for (const link of links) {
    if (!isPositive(link.bandwidthBytesPerSecond) && link.bandwidthBytesPerSecond !== Infinity) {
      return `link bandwidth must be > 0 bytes/s, got ${link.bandwidthBytesPerSecond}`;
    }
    if (!isNonNegative(link.latencyMs)) return `link latency must be >= 0 ms, got ${link.latencyMs}`;
  }
  const c = inputs.constraints ?? {};
  if (c.latencyBudgetMs !== undefined && !isPositive(c.latencyBudgetMs)) return `latency budget must be > 0 ms, got ${c.latencyBudgetMs}`;
  if (c.maxGramsCo2PerInference !== undefined && !isPositive(c.maxGramsCo2PerInference)) {
    return `max gCO2 per inference must be > 0, got ${c.maxGramsCo2PerInference}`;
  }
  if (c.carbonBudget !== undefined && (!isPositive(c.carbonBudget.grams) || !Number.isInteger(c.carbonBudget.inferences) || c.carbonBudget.inferences < 1)) {
    return `carbon budget needs grams > 0 and a whole number of inferences >= 1, got ${c.carbonBudget.grams} g for ${c.carbonBudget.inferences}`;
  }
  if (inputs.requestsPerSecond !== undefined && inputs.requestsPerSecond !== 'max' && !isNonNegative(inputs.requestsPerSecond)) {
    return `requests per second must be >= 0 or 'max', got ${inputs.requestsPerSecond}`;
  }
  const o = inputs.options ?? {};
  if (o.replicaEfficiency !== undefined && !(isNonNegative(o.replicaEfficiency) && o.replicaEfficiency <= 1)) return `replicaEfficiency must be in [0, 1], got ${o.replicaEfficiency}`;
  if (o.modeTolerance !== undefined && !isNonNegative(o.modeTolerance)) return `modeTolerance must be >= 0, got ${o.modeTolerance}`;
  if (o.pruneDepth !== undefined && !(Number.isInteger(o.pruneDepth) && o.pruneDepth >= 1)) return `pruneDepth must be a whole number >= 1, got ${o.pruneDepth}`;
  if (o.transferCpuMsPerByte !== undefined && !isNonNegative(o.transferCpuMsPerByte)) return `transferCpuMsPerByte must be >= 0, got ${o.transferCpuMsPerByte}`;
  if (o.hopTimeScale !== undefined && !isPositive(o.hopTimeScale)) return `hopTimeScale must be > 0, got ${o.hopTimeScale}`;
  const u = inputs.options?.utilisationWhileRunning;
  if (u !== undefined && !(isNonNegative(u) && u <= 1)) return `utilisationWhileRunning must be in [0, 1], got ${u}`;
  return undefined;
}

/** The per-inference carbon cap implied by the constraints (Infinity when none). */
export function carbonCapGrams(inputs: PlanInputs): number {
  const c = inputs.constraints ?? {};
  const fromBudget = c.carbonBudget ? c.carbonBudget.grams / c.carbonBudget.inferences : Infinity;
  return Math.min(c.maxGramsCo2PerInference ?? Infinity, fromBudget);
}
