/**
 * `carbonedge experiment --simulate`: the same scenario without browsers. Each node becomes the
 * planner's model of it (src/plan): speed = reference FLOP/s / slowdown, the scenario's power and
 * intensity; every configuration is planned exactly as in the browser path (pinned, paper policy,
 * planner, fixed split) and its figures are the planner's predictions (closed loop: throughput =
 * 1000 / latency). Deterministic, so repetitions would be identical: one repetition, no interval.
 * `generateSwarm` makes large swarms (1,000 nodes, many zones) and `scalingStudy` times planning.
 */
import { bundledReading } from '../carbon/bundled-intensity';
import { indexModel, parseModel, profileModel, toPlanModel } from '../graph/index';
import { choosePlacement, placementChoiceOf } from '../plan/choose-placement';
import type { PlanModel } from '../plan/plan-model';
import { planPinned } from '../plan/pinned';
import { plan } from '../plan/planner';
import type { PlanInputs, PlanNode, PlanResult } from '../plan/plan-types';
import { seededRandom } from '../util/seeded-random';
import { SLICE_OVERHEAD_MS } from '../swarm/plan-inputs';
import { requestRate } from '../swarm/run-session';
import { latencyInFlightMs, throughputInFlight } from '../plan/queueing';
import { loadZooModel, zooInfo } from '../zoo/index';
import { expandConfigurations, fastestWholeModelMs, paperChoice, type ExpandedConfiguration } from './configurations';
import type { LabNodeInfo } from './lab-api';
import { aggregate, describePlacement, type ExperimentResults, type RepeatMeasure } from './results';
import type { LabNode, LabScenario } from './scenario';

/** FLOP/s of a slowdown-1 node in simulation (about one WASM thread of a 2020s laptop), FLOP/s. */
export const DEFAULT_REFERENCE_FLOPS_PER_SECOND = 3e9;
/** Power of a node without one in the scenario: the laptop prior's figures, W. */
const DEFAULT_POWER = { idleWatts: 5.6, maxWatts: 28 };

/** The planner's model of a scenario node. */
export function toSimulatedPlanNode(node: LabNode, referenceFlopsPerSecond: number): PlanNode {
  const intensity = node.gramsCo2PerKwh ?? bundledReading(node.zone!).gramsCo2PerKwh;
  const power = node.power ? { idleWatts: node.power.idleWatts ?? node.power.maxWatts * 0.2, maxWatts: node.power.maxWatts } : DEFAULT_POWER;
  return {
    id: node.name,
    flopsPerSecondByBackend: { wasm: referenceFlopsPerSecond / node.slowdown },
    memoryBytes: (node.memoryMb / 1024) * 1e9 * 0.25,
    power,
    gramsCo2PerKwh: intensity,
    intensitySource: node.gramsCo2PerKwh !== undefined ? 'configured' : `bundled ${node.zone}`,
    sliceOverheadMs: SLICE_OVERHEAD_MS,
  };
}

const ZONES = ['PL', 'DE', 'FR', 'NO', 'SE', 'ES', 'IT', 'GB', 'US', 'IN', 'CN', 'BR', 'ZA', 'AU', 'JP'];

/** A seeded swarm of `count` nodes over 15 zones: laptops, desktops and phones of mixed speeds. */
export function generateSwarm(count: number, seed: number): LabNode[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const kind = random();
    const power = kind < 0.5 ? { idleWatts: 1, maxWatts: 5 } : kind < 0.85 ? { idleWatts: 5.6, maxWatts: 28 } : { idleWatts: 20, maxWatts: 65 };
    return {
      name: `n${String(i).padStart(4, '0')}`,
      slowdown: kind < 0.5 ? 2 + random() * 3 : 1 + random() * 1.5,
      memoryMb: kind < 0.5 ? 2048 : 8192,
      zone: ZONES[Math.floor(random() * ZONES.length)]!,
      power,
    };
  });
}

/** Profile the scenario's catalogue model under Node (exact tensor sizes, FLOPs per node). */
export async function loadPlanModel(model: string): Promise<PlanModel> {
  const profile = await profileModel(indexModel(parseModel(await loadZooModel(model))), [{ name: undefined, dims: zooInfo(model).inputShape }]);
  return toPlanModel(profile);
}

/** The configuration's placement through the planner's one choice function (as the browser run does). */
function planFor(c: ExpandedConfiguration, inputs: PlanInputs, pinnedNode?: string): PlanResult {
  const { mode, weights, constraints, ...swarm } = inputs;
  const placement = pinnedNode ? { kind: 'pinned' as const, nodes: [pinnedNode] } : placementChoiceOf(c);
  // As fast as the swarm takes them, like a browser run: led by latency, plan for the summed capacity.
  const rate = placement.kind === 'planner' ? requestRate({ ratePerSecond: 0, mode: c.mode, ...(c.weights ? { weights: c.weights } : {}) }) : undefined;
  return choosePlacement(swarm, {
    placement,
    ...(mode ? { mode } : {}),
    ...(weights ? { weights } : {}),
    ...(constraints ? { constraints } : {}),
    ...(rate !== undefined ? { requestsPerSecond: rate } : {}),
  });
}

/** Run the scenario on the planner's model; figures are predictions, labelled as such. */
export function simulateExperiment(scenario: LabScenario, model: PlanModel, referenceFlopsPerSecond = DEFAULT_REFERENCE_FLOPS_PER_SECOND): ExperimentResults {
  const started = Date.now();
  const nodes = scenario.nodes.map((n) => toSimulatedPlanNode(n, referenceFlopsPerSecond));
  const modelFlops = Array.from(model.nodeFlops).reduce((a, b) => a + b, 0);
  const configs = expandConfigurations(scenario);
  const candidates = scenario.nodes.map((n, i) => ({ name: n.name, slowdown: n.slowdown, memoryMb: n.memoryMb, gramsCo2PerKwh: nodes[i]!.gramsCo2PerKwh, maxWatts: nodes[i]!.power.maxWatts, execMs: (modelFlops / nodes[i]!.flopsPerSecondByBackend.wasm!) * 1000 }));
  const measures: RepeatMeasure[] = [];
  const paperUsage: Record<string, Record<string, number>> = {};
  const names = Object.fromEntries(nodes.map((n) => [n.id, n.id]));
  // A relative latency budget multiplies the fastest whole-model placement on these nodes.
  const fastest = fastestWholeModelMs(nodes, (node) => {
    const r = planPinned({ model, nodes }, [node.id]);
    return r.ok ? r.placement.prediction.latencyMs : undefined;
  });
  for (const raw of configs) {
    if (raw.latencyBudgetFactor !== undefined && fastest === undefined) throw new Error(`${raw.label}: no node can run the whole model, so a relative latency budget has nothing to scale`);
    const c = raw.latencyBudgetFactor !== undefined ? { ...raw, constraints: { ...raw.constraints, latencyBudgetMs: raw.latencyBudgetFactor * fastest! } } : raw;
    const inputs: PlanInputs = { model, nodes, mode: c.mode, ...(c.weights ? { weights: c.weights } : {}), ...(c.constraints ? { constraints: c.constraints } : {}) };
    let paperMs = 0;
    let pinnedNode: string | undefined;
    if (c.paperMode) {
      const choice = paperChoice(c.paperMode, candidates, scenario.inferences, scenario.seed);
      paperUsage[c.label] = { ...choice.usage };
      pinnedNode = choice.node;
      paperMs = (choice.decisionMicroseconds * scenario.inferences) / 1000;
    }
    const t0 = performance.now();
    const result = planFor(c, inputs, pinnedNode);
    const planningMs = performance.now() - t0 + paperMs;
    if (!result.ok) {
      measures.push({ configuration: c.label, repeat: 1, completed: 0, failed: scenario.inferences, latencyMs: NaN, throughputPerSecond: NaN, energyJoulesPerInference: NaN, gramsCo2PerInference: NaN, planningMsPerRequest: planningMs / scenario.inferences, busyMsByNode: {}, placement: '', error: result.reason });
      continue;
    }
    const p = result.placement.prediction;
    const busy: Record<string, number> = {};
    for (const pipe of result.placement.pipelines) for (const s of pipe.slices) busy[s.nodeId] = (busy[s.nodeId] ?? 0) + s.computeMs * pipe.share;
    measures.push({
      configuration: c.label,
      repeat: 1,
      completed: scenario.inferences,
      failed: 0,
      // A saturated run with the scenario's requests in flight per pipeline (src/plan/queueing.ts).
      latencyMs: latencyInFlightMs(p, scenario.inFlight, result.placement.pipelines.length),
      throughputPerSecond: throughputInFlight(p, scenario.inFlight, result.placement.pipelines.length),
      energyJoulesPerInference: p.energyJoules,
      gramsCo2PerInference: p.gramsCo2,
      planningMsPerRequest: planningMs / scenario.inferences,
      busyMsByNode: busy,
      placement: describePlacement(result.placement, names),
      predicted: { latencyMs: p.latencyMs, throughputPerSecond: p.throughputPerSecond, energyJoules: p.energyJoules, gramsCo2: p.gramsCo2 },
      ...(c.constraints?.latencyBudgetMs !== undefined ? { latencyBudgetMs: c.constraints.latencyBudgetMs } : {}),
    });
  }
  const monolithic = configs.find((c) => c.kind === 'monolithic' && c.pin?.[0] === scenario.monolithicNode)?.label ?? configs[0]!.label;
  const infos: LabNodeInfo[] = nodes.map((n, i) => ({ nodeId: n.id, name: n.id, state: 'simulated', simulated: true, slowdown: scenario.nodes[i]!.slowdown, flopsPerSecond: n.flopsPerSecondByBackend.wasm!, gramsCo2PerKwh: n.gramsCo2PerKwh, intensitySource: n.intensitySource, powerLabel: scenario.nodes[i]!.power ? 'configured' : 'estimated', planNode: n }));
  return {
    format: 'carbonedge-lab/1',
    scenario: scenario.name,
    method: 'simulate',
    model: scenario.model,
    inferences: scenario.inferences,
    repetitions: 1,
    monolithic,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    environment: { node: process.version, referenceFlopsPerSecond },
    nodes: infos,
    configurations: aggregate(configs, measures, monolithic, paperUsage),
    requests: [],
    runs: [],
    notes: [
      `Simulated: figures are the planner's predictions (src/plan), node speed = ${referenceFlopsPerSecond / 1e9} GFLOP/s / slowdown; no browser ran. Deterministic: one repetition, no interval.`,
      'Power figures are estimates (scenario values or device-class priors).',
    ],
  };
}

/** One row of the scaling study. */
export interface ScalingRow {
  readonly nodes: number;
  readonly zones: number;
  /** Wall time of one plan() call per mode, ms. */
  readonly planMsByMode: Readonly<Record<string, number>>;
  /** Paper policy, microseconds per decision. */
  readonly paperDecisionMicroseconds: number;
  /** Predicted gCO2 per inference of the green plan, and of the paper's green choice. */
  readonly greenGramsCo2: number;
  readonly paperGreenGramsCo2: number;
  readonly greenLatencyMs: number;
}

/** Plan generated swarms of each size; shows how planning time and results scale. */
export function scalingStudy(model: PlanModel, sizes: readonly number[], seed: number, referenceFlopsPerSecond = DEFAULT_REFERENCE_FLOPS_PER_SECOND): ScalingRow[] {
  const modelFlops = Array.from(model.nodeFlops).reduce((a, b) => a + b, 0);
  return sizes.map((size) => {
    const swarm = generateSwarm(size, seed);
    const nodes = swarm.map((n) => toSimulatedPlanNode(n, referenceFlopsPerSecond));
    const planMsByMode: Record<string, number> = {};
    let green: PlanResult | undefined;
    for (const mode of ['performance', 'green'] as const) {
      const t0 = performance.now();
      const result = plan({ model, nodes, mode });
      planMsByMode[mode] = performance.now() - t0;
      if (mode === 'green') green = result;
    }
    const candidates = swarm.map((n, i) => ({ name: n.name, slowdown: n.slowdown, memoryMb: n.memoryMb, gramsCo2PerKwh: nodes[i]!.gramsCo2PerKwh, maxWatts: nodes[i]!.power.maxWatts, execMs: (modelFlops / nodes[i]!.flopsPerSecondByBackend.wasm!) * 1000 }));
    const choice = paperChoice('green', candidates, 50, seed);
    const paperGreen = planPinned({ model, nodes }, [choice.node]);
    return {
      nodes: size,
      zones: new Set(swarm.map((n) => n.zone)).size,
      planMsByMode,
      paperDecisionMicroseconds: choice.decisionMicroseconds,
      greenGramsCo2: green?.ok ? green.placement.prediction.gramsCo2 : NaN,
      greenLatencyMs: green?.ok ? green.placement.prediction.latencyMs : NaN,
      paperGreenGramsCo2: paperGreen.ok ? paperGreen.placement.prediction.gramsCo2 : NaN,
    };
  });
}

/** A scenario over a generated swarm, with the standard configurations (for `--nodes N`). */
export function generatedScenario(base: LabScenario, count: number): LabScenario {
  const nodes = generateSwarm(count, base.seed);
  return {
    ...base,
    name: `${base.name}-generated-${count}`,
    nodes,
    monolithicNode: nodes[0]!.name,
    configurations: [
      { kind: 'monolithic', node: nodes[0]!.name },
      { kind: 'paper', mode: 'performance' },
      { kind: 'paper', mode: 'green' },
      { kind: 'planner', mode: 'performance' },
      { kind: 'planner', mode: 'balanced' },
      { kind: 'planner', mode: 'green' },
      { kind: 'sweep', points: 5 },
    ],
  };
}
