/**
 * Lab scenario files (issue 7; format documented in src/lab/README.md): the nodes of a swarm (name,
 * slowdown, power, zone or intensity, memory), the model, the configurations to run, inferences,
 * repetitions and seed. {@link parseLabScenario} checks everything up front and throws a
 * {@link LabScenarioError} whose one-line message names the field and the value that failed.
 */
import { lookupBundledIntensity } from '../carbon/bundled-intensity';
import { PLANNER_MODES, type PlanWeights, type PlannerMode } from '../plan/plan-types';
import { PAPER_MODES, type PaperMode } from '../plan/paper-policy';
import { zooInfo, zooNames } from '../zoo/index';
import { MAX_LAB_SLOWDOWN, MAX_LAB_THREADS } from './lab-node-params';

/** A scenario that cannot be run; `message` is one line naming the field. */
export class LabScenarioError extends Error {
  override name = 'LabScenarioError';
}

/** Power of a lab node: whole-device idle and full-load watts (idle defaults to the class ratio). */
export interface LabPower {
  readonly maxWatts: number;
  readonly idleWatts?: number;
}

/** One node of a scenario. */
export interface LabNode {
  readonly name: string;
  /** Worker duty-cycle slowdown s >= 1 (1 / CPU quota). */
  readonly slowdown: number;
  /** Memory offered, MB (default 1024). */
  readonly memoryMb: number;
  /**
   * WASM threads of the node's worker (default 1: a lab node is one CPU, or a share of one; the
   * pages of a lab share this machine's cores, so more threads per page only oversubscribe them).
   */
  readonly threads?: number;
  /** Grid zone (bundled table); the intensity comes from it unless `gramsCo2PerKwh` is set. */
  readonly zone?: string;
  /** Configured intensity, gCO2/kWh. */
  readonly gramsCo2PerKwh?: number;
  /** Configured power; absent = the device-class estimate. */
  readonly power?: LabPower;
}

/** What to run; see README.md. */
export type LabConfiguration =
  | { readonly kind: 'monolithic'; readonly node: string; readonly label?: string }
  | { readonly kind: 'paper'; readonly mode: PaperMode; readonly label?: string }
  | {
      readonly kind: 'planner'; readonly mode?: PlannerMode; readonly weights?: PlanWeights; readonly latencyBudgetMs?: number;
      /** A latency budget relative to the fastest whole-model placement the planner predicts on the scenario's nodes (>= 1). */
      readonly latencyBudgetFactor?: number;
      readonly label?: string;
    }
  | { readonly kind: 'split'; readonly stages: number; readonly mode?: PlannerMode; readonly nodes?: readonly string[]; readonly label?: string }
  | { readonly kind: 'sweep'; readonly points: number; readonly label?: string };

/** A checked scenario. */
export interface LabScenario {
  readonly name: string;
  readonly description: string;
  readonly model: string;
  readonly inputShape: readonly number[];
  readonly inferences: number;
  readonly repetitions: number;
  readonly seed: number;
  /** Requests in flight per pipeline (1 = closed loop, the paper's req/s = 1000 / latency). */
  readonly inFlight: number;
  /** Share of requests audited in every browser run, 0..1 (default 0: a lab run measures, and the referee shares the machine). */
  readonly auditRate: number;
  /** The node whose monolithic run is the reference of "reduction vs monolithic". */
  readonly monolithicNode: string;
  readonly nodes: readonly LabNode[];
  readonly configurations: readonly LabConfiguration[];
  /** A deferrable-job study (src/lab/time-shift-study.ts checks it): passed through unparsed here. */
  readonly timeShift?: unknown;
  /** 24-hour intensity profiles per zone for the study, labelled with their source. */
  readonly intensityProfiles?: unknown;
}

type Json = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw new LabScenarioError(`scenario ${path}: ${message}`);
}

function onlyKeys(value: Json, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) fail(path, `unknown field "${key}" (allowed: ${allowed.join(', ')})`);
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, `must be an object, got ${JSON.stringify(value)}`);
  return value as Json;
}

function number(value: unknown, path: string, min: number, max = Infinity, integer = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, `must be a number, got ${JSON.stringify(value)}`);
  if (value < min || value > max) fail(path, `must be between ${min} and ${max}, got ${value}`);
  if (integer && !Number.isInteger(value)) fail(path, `must be a whole number, got ${value}`);
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 64) fail(path, `must be a non-empty string of at most 64 characters, got ${JSON.stringify(value)}`);
  return value.trim();
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) fail(path, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

function parseNode(value: unknown, path: string): LabNode {
  const raw = object(value, path);
  onlyKeys(raw, path, ['name', 'slowdown', 'cpuShare', 'memoryMb', 'threads', 'zone', 'intensity', 'power', 'watts']);
  const name = text(raw.name, `${path}.name`);
  if (raw.slowdown !== undefined && raw.cpuShare !== undefined) fail(path, 'give slowdown or cpuShare, not both');
  const slowdown = raw.cpuShare !== undefined
    ? 1 / number(raw.cpuShare, `${path}.cpuShare`, 1 / MAX_LAB_SLOWDOWN, 1)
    : raw.slowdown === undefined ? 1 : number(raw.slowdown, `${path}.slowdown`, 1, MAX_LAB_SLOWDOWN);
  const memoryMb = raw.memoryMb === undefined ? 1024 : number(raw.memoryMb, `${path}.memoryMb`, 1, 1_048_576);
  const threads = raw.threads === undefined ? undefined : number(raw.threads, `${path}.threads`, 1, MAX_LAB_THREADS);
  if (threads !== undefined && !Number.isInteger(threads)) fail(`${path}.threads`, `must be a whole number of threads, got ${threads}`);
  let zone: string | undefined;
  if (raw.zone !== undefined) {
    const found = lookupBundledIntensity(text(raw.zone, `${path}.zone`));
    if (!found) fail(`${path}.zone`, `unknown zone ${JSON.stringify(raw.zone)}: use an ISO 3166 country code (PL, FR) or a bundled region (WORLD, EU)`);
    zone = found.zone;
  }
  const gramsCo2PerKwh = raw.intensity === undefined ? undefined : number(raw.intensity, `${path}.intensity`, 0, 2000);
  if (zone === undefined && gramsCo2PerKwh === undefined) fail(path, `node "${name}" needs a zone or an intensity (gCO2/kWh)`);
  if (raw.power !== undefined && raw.watts !== undefined) fail(path, 'give power or watts, not both');
  let power: LabPower | undefined;
  if (raw.watts !== undefined) power = { maxWatts: number(raw.watts, `${path}.watts`, 0.1, 5000) };
  if (raw.power !== undefined) {
    const p = object(raw.power, `${path}.power`);
    onlyKeys(p, `${path}.power`, ['idleWatts', 'maxWatts']);
    const maxWatts = number(p.maxWatts, `${path}.power.maxWatts`, 0.1, 5000);
    power = p.idleWatts === undefined ? { maxWatts } : { maxWatts, idleWatts: number(p.idleWatts, `${path}.power.idleWatts`, 0, maxWatts) };
  }
  return { name, slowdown, memoryMb, ...(threads !== undefined ? { threads } : {}), ...(zone ? { zone } : {}), ...(gramsCo2PerKwh !== undefined ? { gramsCo2PerKwh } : {}), ...(power ? { power } : {}) };
}

function parseWeights(value: unknown, path: string): PlanWeights {
  const raw = object(value, path);
  onlyKeys(raw, path, ['latency', 'energy', 'carbon']);
  const w = { latency: number(raw.latency ?? 0, `${path}.latency`, 0, 1), energy: number(raw.energy ?? 0, `${path}.energy`, 0, 1), carbon: number(raw.carbon ?? 0, `${path}.carbon`, 0, 1) };
  const sum = w.latency + w.energy + w.carbon;
  if (Math.abs(sum - 1) > 1e-6) fail(path, `weights must sum to 1, got ${+sum.toFixed(6)}`);
  return w;
}

function parseConfiguration(value: unknown, path: string, names: ReadonlySet<string>, nodeCount: number): LabConfiguration {
  const raw = object(value, path);
  const kind = oneOf(raw.kind, `${path}.kind`, ['monolithic', 'paper', 'planner', 'split', 'sweep'] as const);
  const label = raw.label === undefined ? {} : { label: text(raw.label, `${path}.label`) };
  const nodeName = (v: unknown, p: string): string => {
    const name = text(v, p);
    if (!names.has(name)) fail(p, `no node named "${name}" (nodes: ${[...names].join(', ')})`);
    return name;
  };
  const mode = (v: unknown, p: string) => oneOf(v, p, Object.keys(PLANNER_MODES) as PlannerMode[]);
  switch (kind) {
    case 'monolithic':
      onlyKeys(raw, path, ['kind', 'node', 'label']);
      return { kind, node: nodeName(raw.node, `${path}.node`), ...label };
    case 'paper':
      onlyKeys(raw, path, ['kind', 'mode', 'label']);
      return { kind, mode: oneOf(raw.mode, `${path}.mode`, Object.keys(PAPER_MODES) as PaperMode[]), ...label };
    case 'planner':
      onlyKeys(raw, path, ['kind', 'mode', 'weights', 'latencyBudgetMs', 'latencyBudgetFactor', 'label']);
      if (raw.latencyBudgetMs !== undefined && raw.latencyBudgetFactor !== undefined) fail(`${path}.latencyBudgetFactor`, 'give latencyBudgetMs or latencyBudgetFactor, not both');
      return {
        kind,
        ...(raw.mode !== undefined ? { mode: mode(raw.mode, `${path}.mode`) } : {}),
        ...(raw.weights !== undefined ? { weights: parseWeights(raw.weights, `${path}.weights`) } : {}),
        ...(raw.latencyBudgetMs !== undefined ? { latencyBudgetMs: number(raw.latencyBudgetMs, `${path}.latencyBudgetMs`, 0.001) } : {}),
        ...(raw.latencyBudgetFactor !== undefined ? { latencyBudgetFactor: number(raw.latencyBudgetFactor, `${path}.latencyBudgetFactor`, 1, 100) } : {}),
        ...label,
      };
    case 'split': {
      onlyKeys(raw, path, ['kind', 'stages', 'mode', 'nodes', 'label']);
      const stages = number(raw.stages, `${path}.stages`, 1, nodeCount, true);
      let nodes: string[] | undefined;
      if (raw.nodes !== undefined) {
        if (!Array.isArray(raw.nodes) || raw.nodes.length !== stages) fail(`${path}.nodes`, `must list ${stages} node names (one per slice)`);
        nodes = raw.nodes.map((n, i) => nodeName(n, `${path}.nodes[${i}]`));
        if (new Set(nodes).size !== nodes.length) fail(`${path}.nodes`, 'each slice needs its own node');
      }
      return { kind, stages, ...(raw.mode !== undefined ? { mode: mode(raw.mode, `${path}.mode`) } : {}), ...(nodes ? { nodes } : {}), ...label };
    }
    case 'sweep':
      onlyKeys(raw, path, ['kind', 'points', 'label']);
      return { kind, points: number(raw.points, `${path}.points`, 2, 21, true), ...label };
  }
}

/** Check a parsed JSON document; throws LabScenarioError naming the first problem. */
export function parseLabScenario(value: unknown, fallbackName = 'scenario'): LabScenario {
  const raw = object(value, 'root');
  onlyKeys(raw, 'root', ['name', 'description', 'model', 'inputShape', 'inferences', 'repetitions', 'seed', 'inFlight', 'auditRate', 'monolithicNode', 'nodes', 'configurations', 'timeShift', 'intensityProfiles']);
  const model = typeof raw.model === 'string' ? raw.model : fail('model', `must be a catalogue model name, got ${JSON.stringify(raw.model)}`);
  if (!zooNames().includes(model)) fail('model', `unknown model "${model}" (catalogue: ${zooNames().join(', ')})`);
  const catalogueShape = zooInfo(model).inputShape;
  if (raw.inputShape !== undefined) {
    const shape = raw.inputShape;
    if (!Array.isArray(shape) || shape.join('x') !== catalogueShape.join('x')) {
      fail('inputShape', `${JSON.stringify(shape)} does not match ${model}'s input ${catalogueShape.join('x')} (catalogue models have a fixed input)`);
    }
  }
  if (!Array.isArray(raw.nodes) || raw.nodes.length === 0) fail('nodes', 'needs at least one node');
  const nodes = raw.nodes.map((n, i) => parseNode(n, `nodes[${i}]`));
  const names = new Set<string>();
  nodes.forEach((n, i) => {
    if (names.has(n.name)) fail(`nodes[${i}].name`, `duplicate node name "${n.name}"`);
    names.add(n.name);
  });
  if (!Array.isArray(raw.configurations) || raw.configurations.length === 0) fail('configurations', 'needs at least one configuration');
  const configurations = raw.configurations.map((c, i) => parseConfiguration(c, `configurations[${i}]`, names, nodes.length));
  const firstMono = configurations.find((c) => c.kind === 'monolithic');
  const monolithicNode = raw.monolithicNode !== undefined ? text(raw.monolithicNode, 'monolithicNode') : firstMono?.kind === 'monolithic' ? firstMono.node : nodes[0]!.name;
  if (!names.has(monolithicNode)) fail('monolithicNode', `no node named "${monolithicNode}"`);
  return {
    name: raw.name === undefined ? fallbackName : text(raw.name, 'name'),
    description: typeof raw.description === 'string' ? raw.description : '',
    model,
    inputShape: catalogueShape,
    inferences: raw.inferences === undefined ? 50 : number(raw.inferences, 'inferences', 1, 100_000, true),
    repetitions: raw.repetitions === undefined ? 3 : number(raw.repetitions, 'repetitions', 1, 100, true),
    seed: raw.seed === undefined ? 1 : number(raw.seed, 'seed', 0, 2 ** 31, true),
    inFlight: raw.inFlight === undefined ? 1 : number(raw.inFlight, 'inFlight', 1, 16, true),
    auditRate: raw.auditRate === undefined ? 0 : number(raw.auditRate, 'auditRate', 0, 1),
    monolithicNode,
    nodes,
    configurations,
    ...(raw.timeShift !== undefined ? { timeShift: raw.timeShift } : {}),
    ...(raw.intensityProfiles !== undefined ? { intensityProfiles: raw.intensityProfiles } : {}),
  };
}

/** Parse JSON text as a scenario; bad JSON is a LabScenarioError too. */
export function parseLabScenarioText(json: string, fallbackName?: string): LabScenario {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new LabScenarioError(`scenario is not valid JSON: ${(error as Error).message}`);
  }
  return parseLabScenario(value, fallbackName);
}

/** The scenario with the command line's overrides applied (checked like the file's values). */
export function withOverrides(s: LabScenario, o: { model?: string; inferences?: number; repetitions?: number }): LabScenario {
  const merged = { ...s, ...(o.model ? { model: o.model, inputShape: undefined } : {}), ...(o.inferences !== undefined ? { inferences: o.inferences } : {}), ...(o.repetitions !== undefined ? { repetitions: o.repetitions } : {}) };
  return parseLabScenario(
    {
      ...merged,
      inputShape: merged.inputShape ?? undefined,
      nodes: s.nodes.map((n) => ({
        name: n.name, slowdown: n.slowdown, memoryMb: n.memoryMb, ...(n.threads !== undefined ? { threads: n.threads } : {}),
        ...(n.zone ? { zone: n.zone } : {}), ...(n.gramsCo2PerKwh !== undefined ? { intensity: n.gramsCo2PerKwh } : {}), ...(n.power ? { power: n.power } : {}),
      })),
    },
    s.name,
  );
}
