import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { CliError, flagList, flagBool, flagNumber, flagString, helpText, parseArgs, type FlagSpec } from '../args';
import type { CliCommand } from '../command';
import { plan } from '../../plan/planner';
import { planSweep } from '../../plan/plan-sweep';
import { PLANNER_MODES, type PlanInputs, type Placement, type PlannerMode, type PlanWeights } from '../../plan/plan-types';
import { KNOWN_PLAN_MODELS, resolvePlanModel } from '../../plan/resolve-plan-model';
import { toPlanModel } from '../../graph/index';
import { profileFromArgs } from './inspect';
import { ScenarioError, paperScenario, parseScenario } from '../../plan/scenario';

const spec: Record<string, FlagSpec> = {
  scenario: { type: 'string', help: 'scenario JSON file (format: src/plan/README.md), or "paper"' },
  model: { type: 'string', help: `model to place: an ONNX file, zoo:NAME (profiled with onnxruntime-web), or ${KNOWN_PLAN_MODELS.join(', ')}` },
  input: { type: 'multi', help: 'input shape NAME=1x3x224x224 for ONNX/zoo models with dynamic dimensions' },
  mode: { type: 'string', help: `planner mode: ${Object.keys(PLANNER_MODES).join(', ')} (default: scenario's, else balanced)` },
  weights: { type: 'string', help: 'explicit weights L,E,C for latency, energy, carbon (>= 0, sum 1)' },
  'latency-budget': { type: 'string', help: 'latency budget per inference, ms' },
  pareto: { type: 'boolean', help: 'also print the Pareto front of (latency, gCO2) from a 21-point sweep' },
};

function parseWeights(raw: string): PlanWeights {
  const parts = raw.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) throw new CliError(`--weights needs three numbers L,E,C, got "${raw}"`);
  const [latency, energy, carbon] = parts as [number, number, number];
  return { latency, energy, carbon };
}

const ms = (v: number): string => `${v.toFixed(1)} ms`;
const g = (v: number): string => `${v.toExponential(3)} g`;

function describe(p: Placement): string {
  const lines = [
    `method ${p.method}${p.gap === undefined ? '' : ` (gap <= ${(p.gap * 100).toFixed(2)}%)`}, weights L ${p.weights.latency} E ${p.weights.energy} C ${p.weights.carbon}${p.adjustedFor ? `, moved toward ${p.adjustedFor} to meet a limit` : ''}`,
    `predicted: latency ${ms(p.prediction.latencyMs)}, throughput ${p.prediction.throughputPerSecond.toFixed(2)} req/s, energy ${p.prediction.energyJoules.toFixed(3)} J, ${g(p.prediction.gramsCo2)} CO2 per inference (${(1 / p.prediction.gramsCo2).toFixed(1)} inferences/g)`,
  ];
  p.pipelines.forEach((q, k) => {
    lines.push(`pipeline ${k + 1} (share ${(q.share * 100).toFixed(1)}%): ${ms(q.prediction.latencyMs)}, ${q.prediction.throughputPerSecond.toFixed(2)} req/s, ${g(q.prediction.gramsCo2)}`);
    for (const s of q.slices) {
      lines.push(`  slice [${s.sliceRange[0]}, ${s.sliceRange[1]}) on ${s.nodeId} (${s.backend}): ${ms(s.computeMs)}, ${s.energyJoules.toFixed(3)} J, ${g(s.gramsCo2)}, ${(s.memoryBytes / 1e6).toFixed(1)} MB`);
    }
    for (const h of q.hops) lines.push(`  hop ${h.fromId} -> ${h.toId} at cut ${h.cutPosition}: ${(h.bytes / 1e3).toFixed(1)} kB, ${ms(h.transferMs)}`);
  });
  return lines.join('\n');
}

/** `carbonedge plan`: place a model's slices on a scenario's nodes and print the predictions. */
export const planCommand: CliCommand = {
  name: 'plan',
  summary: 'place model slices on nodes (carbon-aware), print placement, predictions and Pareto front',
  async run(argv, io) {
    const args = parseArgs(argv, spec);
    if (flagBool(args, 'help')) {
      io.out(helpText('carbonedge plan --scenario FILE|paper --model MODEL [--mode M | --weights L,E,C] [--latency-budget MS] [--pareto] [--json]', this.summary, spec));
      return 0;
    }
    const scenarioArg = flagString(args, 'scenario');
    const modelArg = flagString(args, 'model');
    if (!scenarioArg) throw new CliError('--scenario FILE|paper is required');
    if (!modelArg) throw new CliError('--model is required (e.g. synthetic:mobilenetv2)');
    if (args.positionals.length) throw new CliError(`unexpected argument "${args.positionals[0]}"`);
    const modeArg = flagString(args, 'mode');
    const weightsArg = flagString(args, 'weights');
    if (modeArg && weightsArg) throw new CliError('give --mode or --weights, not both');
    if (modeArg && !(modeArg in PLANNER_MODES)) throw new CliError(`--mode must be one of ${Object.keys(PLANNER_MODES).join(', ')}, got "${modeArg}"`);
    const budget = flagNumber(args, 'latency-budget', { min: Number.MIN_VALUE });
    let model;
    if (!modelArg.startsWith('synthetic:') && !modelArg.startsWith('zoo:') && !existsSync(modelArg)) {
      throw new CliError(`unknown model "${modelArg}": give an ONNX file, zoo:NAME, or ${KNOWN_PLAN_MODELS.join(', ')}`);
    }
    if (modelArg.startsWith('synthetic:')) {
      try {
        model = resolvePlanModel(modelArg);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
    } else {
      // A real model: profile it (exact tensor sizes, FLOPs per node) and project it for the planner.
      const { profile } = await profileFromArgs({ positionals: [modelArg], flags: { input: flagList(args, 'input') } });
      model = toPlanModel(profile);
    }
    let scenario;
    if (scenarioArg === 'paper') scenario = paperScenario(model);
    else {
      let text: string;
      try {
        text = await readFile(scenarioArg, 'utf8');
      } catch (error) {
        throw new CliError(`cannot read scenario "${scenarioArg}": ${(error as Error).message}`);
      }
      try {
        scenario = parseScenario(JSON.parse(text) as unknown);
      } catch (error) {
        if (error instanceof ScenarioError || error instanceof SyntaxError) throw new CliError(`scenario ${scenarioArg}: ${error.message}`);
        throw error;
      }
    }
    const inputs: PlanInputs = {
      ...scenario,
      model,
      ...(modeArg ? { mode: modeArg as PlannerMode, weights: undefined } : {}),
      ...(weightsArg ? { weights: parseWeights(weightsArg) } : {}),
      ...(budget === undefined ? {} : { constraints: { ...scenario.constraints, latencyBudgetMs: budget } }),
    };
    const result = plan(inputs);
    const sweep = flagBool(args, 'pareto') ? planSweep(inputs, 21) : undefined;
    if (flagBool(args, 'json')) {
      io.out(JSON.stringify({ model: model.name, result, ...(sweep ? { sweep } : {}) }, null, 2));
      return result.ok ? 0 : 1;
    }
    if (!result.ok) {
      io.err(`carbonedge plan: infeasible (${result.binding}): ${result.reason}`);
      return 1;
    }
    io.out(`model ${model.name} (${model.nodeCount} graph nodes) on ${inputs.nodes.length} nodes`);
    io.out(describe(result.placement));
    if (sweep) {
      if (!sweep.ok) io.out(`pareto: ${sweep.reason}`);
      else {
        io.out('pareto front (latency, gCO2 per inference):');
        for (const p of sweep.front) io.out(`  ${ms(p.latencyMs).padStart(10)}  ${g(p.gramsCo2)}  ${p.weights ? `wC ${p.weights.carbon.toFixed(2)}` : 'single node'}  ${p.placement}`);
      }
    }
    return 0;
  },
};
