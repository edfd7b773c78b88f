/**
 * Scenario files for `carbonedge plan --scenario FILE` (format in README.md): nodes, links,
 * constraints, mode or weights, request rate. Parsed from `unknown` and validated with errors that
 * name the field and the value; `paper` is the paper's testbed under the strict accounting.
 */
import type { PlanModel } from './plan-model';
import { paperPlanInputs } from './paper-scenario';
import { PLANNER_MODES, type LinkEstimate, type PlanConstraints, type PlanInputs, type PlanLink, type PlanNode, type PlannerMode, type PlanWeights } from './plan-types';

/** A scenario file that does not follow the format; the message names the field. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** Everything of {@link PlanInputs} except the model. */
export type Scenario = Omit<PlanInputs, 'model'>;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(obj: Json, key: string, path: string, opts: { min?: number; optional?: boolean; positive?: boolean } = {}): number | undefined {
  const v = obj[key];
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ScenarioError(`${path}.${key} must be a number, got ${JSON.stringify(v)}`);
  if (opts.positive && v <= 0) throw new ScenarioError(`${path}.${key} must be > 0, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new ScenarioError(`${path}.${key} must be >= ${opts.min}, got ${v}`);
  return v;
}

const req = (obj: Json, key: string, path: string, opts: { min?: number; positive?: boolean } = {}): number => num(obj, key, path, opts)!;

function str(obj: Json, key: string, path: string, optional = false): string | undefined {
  const v = obj[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || v === '') throw new ScenarioError(`${path}.${key} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

function linkEstimate(v: unknown, path: string): LinkEstimate {
  if (!isObject(v)) throw new ScenarioError(`${path} must be an object { bandwidthMbps, latencyMs }`);
  return { bandwidthBytesPerSecond: (req(v, 'bandwidthMbps', path, { positive: true }) * 1e6) / 8, latencyMs: req(v, 'latencyMs', path, { min: 0 }) };
}

function node(v: unknown, path: string): PlanNode {
  if (!isObject(v)) throw new ScenarioError(`${path} must be an object`);
  const speed = v.flopsPerSecond;
  let flopsPerSecondByBackend: Record<string, number>;
  if (typeof speed === 'number') flopsPerSecondByBackend = { wasm: speed };
  else if (isObject(speed)) {
    flopsPerSecondByBackend = {};
    for (const backend of Object.keys(speed)) flopsPerSecondByBackend[backend] = req(speed, backend, `${path}.flopsPerSecond`, { min: 0 });
  } else throw new ScenarioError(`${path}.flopsPerSecond must be a number or { backend: FLOP/s }, got ${JSON.stringify(speed)}`);
  if (!Object.values(flopsPerSecondByBackend).some((f) => f > 0)) throw new ScenarioError(`${path}.flopsPerSecond: node has zero speed`);
  const idleWatts = req(v, 'idleWatts', path, { min: 0 });
  const maxWatts = req(v, 'maxWatts', path, { min: idleWatts });
  const overhead = num(v, 'sliceOverheadMs', path, { min: 0, optional: true });
  const utilisation = num(v, 'utilisation', path, { positive: true, optional: true });
  if (utilisation !== undefined && utilisation > 1) throw new ScenarioError(`${path}.utilisation must be in (0, 1] (busy / wall), got ${utilisation}`);
  const hostGroup = str(v, 'hostGroup', path, true);
  return {
    id: str(v, 'id', path)!,
    flopsPerSecondByBackend,
    memoryBytes: req(v, 'memoryMb', path, { positive: true }) * 1e6,
    power: { idleWatts, maxWatts },
    gramsCo2PerKwh: req(v, 'gramsCo2PerKwh', path, { min: 0 }),
    intensitySource: str(v, 'intensitySource', path, true) ?? 'configured (scenario file)',
    ...(overhead === undefined ? {} : { sliceOverheadMs: overhead }),
    ...(utilisation === undefined ? {} : { utilisation }),
    ...(hostGroup === undefined ? {} : { hostGroup }),
  };
}

/** Validate a parsed scenario document. @throws ScenarioError naming the bad field. */
export function parseScenario(doc: unknown): Scenario {
  if (!isObject(doc)) throw new ScenarioError('scenario must be a JSON object');
  if (!Array.isArray(doc.nodes) || doc.nodes.length === 0) throw new ScenarioError('scenario.nodes must be a non-empty array');
  const nodes = doc.nodes.map((v, k) => node(v, `nodes[${k}]`));
  const links: PlanLink[] = [];
  if (doc.links !== undefined) {
    if (!Array.isArray(doc.links)) throw new ScenarioError('scenario.links must be an array');
    doc.links.forEach((v, k) => {
      const path = `links[${k}]`;
      if (!isObject(v)) throw new ScenarioError(`${path} must be an object`);
      links.push({ fromId: str(v, 'from', path)!, toId: str(v, 'to', path)!, ...linkEstimate(v, path) });
    });
  }
  let mode: PlannerMode | undefined;
  if (doc.mode !== undefined) {
    if (typeof doc.mode !== 'string' || !(doc.mode in PLANNER_MODES)) {
      throw new ScenarioError(`scenario.mode must be one of ${Object.keys(PLANNER_MODES).join(', ')}, got ${JSON.stringify(doc.mode)}`);
    }
    mode = doc.mode as PlannerMode;
  }
  let weights: PlanWeights | undefined;
  if (doc.weights !== undefined) {
    if (!isObject(doc.weights)) throw new ScenarioError('scenario.weights must be { latency, energy, carbon }');
    weights = { latency: req(doc.weights, 'latency', 'weights'), energy: req(doc.weights, 'energy', 'weights'), carbon: req(doc.weights, 'carbon', 'weights') };
  }
  let constraints: PlanConstraints | undefined;
  if (doc.constraints !== undefined) {
    const c = doc.constraints;
    if (!isObject(c)) throw new ScenarioError('scenario.constraints must be an object');
    const latencyBudgetMs = num(c, 'latencyBudgetMs', 'constraints', { positive: true, optional: true });
    const maxGrams = num(c, 'maxGramsCo2PerInference', 'constraints', { positive: true, optional: true });
    let carbonBudget: PlanConstraints['carbonBudget'];
    if (c.carbonBudget !== undefined) {
      if (!isObject(c.carbonBudget)) throw new ScenarioError('constraints.carbonBudget must be { grams, inferences }');
      carbonBudget = { grams: req(c.carbonBudget, 'grams', 'constraints.carbonBudget', { positive: true }), inferences: req(c.carbonBudget, 'inferences', 'constraints.carbonBudget', { min: 1 }) };
    }
    constraints = {
      ...(latencyBudgetMs === undefined ? {} : { latencyBudgetMs }),
      ...(maxGrams === undefined ? {} : { maxGramsCo2PerInference: maxGrams }),
      ...(carbonBudget ? { carbonBudget } : {}),
    };
  }
  const rate = doc.requestsPerSecond === 'max' ? 'max' as const : num(doc, 'requestsPerSecond', 'scenario', { min: 0, optional: true });
  let hostGroups: Array<{ id: string; cores: number }> | undefined;
  if (doc.hostGroups !== undefined) {
    if (!Array.isArray(doc.hostGroups)) throw new ScenarioError('scenario.hostGroups must be an array of { id, cores }');
    hostGroups = doc.hostGroups.map((v, k) => {
      const path = `hostGroups[${k}]`;
      if (!isObject(v)) throw new ScenarioError(`${path} must be an object { id, cores }`);
      return { id: str(v, 'id', path)!, cores: req(v, 'cores', path, { positive: true }) };
    });
  }
  return {
    nodes,
    ...(links.length ? { links } : {}),
    ...(doc.linkDefaults !== undefined ? { linkDefaults: linkEstimate(doc.linkDefaults, 'linkDefaults') } : {}),
    ...(doc.coordinatorLink !== undefined ? { coordinatorLink: linkEstimate(doc.coordinatorLink, 'coordinatorLink') } : {}),
    ...(mode ? { mode } : {}),
    ...(weights ? { weights } : {}),
    ...(constraints ? { constraints } : {}),
    ...(rate === undefined ? {} : { requestsPerSecond: rate }),
    ...(hostGroups ? { hostGroups } : {}),
  };
}

/** The built-in `paper` scenario: the paper's three nodes under the strict accounting. */
export function paperScenario(model: PlanModel): Scenario {
  const { model: _unused, ...rest } = paperPlanInputs(model, 'strict');
  return rest;
}
