/**
 * `carbonedge experiment`: run a lab scenario (src/lab/README.md) in headless Chromium - or, with
 * `--simulate`, on the planner's model - and write results.json, CSVs and report.html. WebRTC needs
 * a network: unless already inside one (CARBONEDGE_ISOLATED=1), the command re-runs itself inside
 * scripts/isolated.sh when this machine allows it. Ctrl-C / SIGTERM close the browser and server.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { CliError, flagBool, flagNumber, flagString, helpText, parseArgs, type FlagSpec } from '../args';
import type { CliCommand, CliIo } from '../command';
import { REPO_ROOT, runBrowserExperiment } from '../../lab/browser-lab';
import { loadScenario } from '../../lab/load-scenario';
import { LabScenarioError, withOverrides, type LabScenario } from '../../lab/scenario';
import { formatTimeShiftStudy, parseTimeShiftStudy, runTimeShiftStudy, timeShiftWorkers } from '../../lab/time-shift-study';
import { totalFlops, type PlanModel } from '../../plan/plan-model';
import { DEFAULT_REFERENCE_FLOPS_PER_SECOND, generatedScenario, loadPlanModel, scalingStudy, simulateExperiment } from '../../lab/simulate';
import { headline, predictionTable, tableFive, tableTwo } from '../../lab/tables';
import { writeResults } from '../../lab/write-results';
import type { ExperimentResults } from '../../lab/results';

const spec: Record<string, FlagSpec> = {
  scenario: { type: 'string', help: 'scenario JSON file, or a bundled one: paper, classroom (required)' },
  model: { type: 'string', help: 'catalogue model instead of the scenario\'s' },
  inferences: { type: 'string', help: 'inferences per run instead of the scenario\'s' },
  repeat: { type: 'string', help: 'repetitions instead of the scenario\'s' },
  out: { type: 'string', help: 'results folder (default results/lab/SCENARIO-TIME)' },
  simulate: { type: 'boolean', help: 'no browsers: the planner\'s model of each node' },
  nodes: { type: 'string', help: 'with --simulate: a generated swarm of N nodes over 15 zones' },
  gflops: { type: 'string', help: `with --simulate: GFLOP/s of a slowdown-1 node (default ${DEFAULT_REFERENCE_FLOPS_PER_SECOND / 1e9})` },
  build: { type: 'boolean', help: 'rebuild the app first (into .cache/lab-dist; otherwise only when dist/ and it are stale)' },
  tag: { type: 'string', help: 'marker on the browser command line (find it with pgrep -f)' },
};

const USAGE = 'carbonedge experiment --scenario FILE|paper|classroom [--model M] [--inferences N] [--repeat R] [--out DIR] [--simulate [--nodes N]] [--json]';

/** Whether scripts/isolated.sh can make a network namespace here. */
function canIsolate(): boolean {
  const probe = spawnSync('bash', [path.join(REPO_ROOT, 'scripts/isolated.sh'), 'true'], { stdio: 'ignore', timeout: 10_000 });
  return probe.status === 0;
}

/** Re-run this command inside the namespace; signals are forwarded, the exit code returned. */
function runIsolated(argv: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(REPO_ROOT, 'scripts/isolated.sh'), process.execPath, path.join(REPO_ROOT, 'bin/carbonedge.js'), 'experiment', ...argv], { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}

function printResults(results: ExperimentResults, io: CliIo, files: Record<string, string>): void {
  io.out('');
  io.out(`== ${results.scenario}: ${results.method === 'browsers' ? 'measured in headless Chromium' : 'SIMULATED (planner predictions)'}, ${results.model}, ${results.inferences} inferences x ${results.repetitions} repetitions (mean ±95% half-width)`);
  io.out('Table II shape (power figures are estimates, so J and gCO2 are too):');
  for (const line of tableTwo(results)) io.out(line);
  io.out('');
  io.out('Table V shape (share of busy time per node):');
  for (const line of tableFive(results)) io.out(line);
  io.out('');
  const predictions = predictionTable(results);
  if (predictions.length) {
    io.out('Predicted vs measured latency (ms, at the run\'s requests in flight):');
    for (const line of predictions) io.out(line);
    io.out('');
  }
  for (const line of headline(results)) io.out(line);
  io.out(`results: ${Object.values(files).join(', ')}`);
}

async function simulate(scenario: LabScenario, args: ReturnType<typeof parseArgs>, io: CliIo, json: boolean): Promise<{ results: ExperimentResults; scaling: ReturnType<typeof scalingStudy> }> {
  const count = flagNumber(args, 'nodes', { min: 1, max: 100_000, integer: true });
  const flops = (flagNumber(args, 'gflops', { min: 0.001 }) ?? DEFAULT_REFERENCE_FLOPS_PER_SECOND / 1e9) * 1e9;
  if (!json) io.out(`profiling ${scenario.model} under Node for the planner's model...`);
  const model = await loadPlanModel(scenario.model);
  const chosen = count ? generatedScenario(scenario, count) : scenario;
  const results = simulateExperiment(chosen, model, flops);
  await timeShift(scenario, model, flops, io, json);
  const biggest = Math.max(count ?? 1000, 1000);
  const sizes = [...new Set([3, 10, 100, 1000, biggest].filter((s) => s <= biggest))];
  const scaling = scalingStudy(model, sizes, scenario.seed, flops);
  return { results, scaling };
}

/**
 * A scenario with a `timeShift` section also runs the time-shift study: the deferrable job planned
 * on the given 24-hour profile, and a faster-than-real-time replay of that day measuring grams for
 * "run now" and the shifted schedule (src/lab/time-shift-study.ts; the nodes' modelled energy).
 */
async function timeShift(scenario: LabScenario, model: PlanModel, flops: number, io: CliIo, json: boolean): Promise<void> {
  let spec;
  try {
    spec = parseTimeShiftStudy({ timeShift: scenario.timeShift, intensityProfiles: scenario.intensityProfiles });
  } catch (error) {
    if (error instanceof LabScenarioError) throw new CliError(error.message);
    throw error;
  }
  if (!spec) return;
  const result = await runTimeShiftStudy({ spec, workers: timeShiftWorkers(scenario.nodes, totalFlops(model), flops) });
  const lines = formatTimeShiftStudy(result);
  if (json) io.err(lines.join('\n'));
  else {
    io.out('');
    for (const line of lines) io.out(line);
  }
}

/** `carbonedge experiment`. */
export const experimentCommand: CliCommand = {
  name: 'experiment',
  summary: 'run a lab scenario (paper, classroom or a JSON file) in headless Chromium, or --simulate; writes JSON, CSV and an HTML report',
  async run(argv, io) {
    const args = parseArgs(argv, spec);
    if (flagBool(args, 'help')) {
      io.out(helpText(USAGE, this.summary, spec));
      return 0;
    }
    if (args.positionals.length) throw new CliError(`unexpected argument "${args.positionals[0]}"`);
    const name = flagString(args, 'scenario');
    if (!name) throw new CliError('--scenario is required (a JSON file, or paper / classroom)');
    const json = flagBool(args, 'json');
    let scenario: LabScenario;
    try {
      scenario = withOverrides(await loadScenario(name), {
        model: flagString(args, 'model'),
        inferences: flagNumber(args, 'inferences', { min: 1, max: 100_000, integer: true }),
        repetitions: flagNumber(args, 'repeat', { min: 1, max: 100, integer: true }),
      });
    } catch (error) {
      if (error instanceof LabScenarioError) throw new CliError(error.message);
      throw error;
    }
    const simulated = flagBool(args, 'simulate');
    if (!simulated && flagString(args, 'nodes') !== undefined) throw new CliError('--nodes needs --simulate (a browser per node does not scale to large swarms)');
    if (!simulated && process.env.CARBONEDGE_ISOLATED !== '1') {
      if (canIsolate()) return runIsolated(argv);
      io.err('experiment: cannot create a network namespace here; running without isolation (WebRTC uses this machine\'s interfaces)');
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const out = path.resolve(flagString(args, 'out') ?? path.join('results', 'lab', `${scenario.name}-${stamp}`));
    const progress = (line: string) => (json ? io.err(line) : io.out(line));
    if (simulated) {
      const { results, scaling } = await simulate(scenario, args, io, json);
      const files = await writeResults(out, results);
      if (json) {
        io.out(JSON.stringify({ files, results: { ...results, requests: undefined, runs: undefined }, scaling }, null, 2));
        return 0;
      }
      printResults(results, io, files);
      io.out('');
      io.out('scaling (generated swarms over up to 15 zones; planner predictions):');
      io.out(`${'nodes'.padStart(6)} ${'zones'.padStart(5)} ${'plan perf ms'.padStart(13)} ${'plan green ms'.padStart(14)} ${'paper us/dec'.padStart(13)} ${'green gCO2/inf'.padStart(15)} ${'green ms'.padStart(9)} ${'paper-green g'.padStart(14)}`);
      for (const r of scaling) {
        io.out(`${String(r.nodes).padStart(6)} ${String(r.zones).padStart(5)} ${r.planMsByMode.performance!.toFixed(1).padStart(13)} ${r.planMsByMode.green!.toFixed(1).padStart(14)} ${r.paperDecisionMicroseconds.toFixed(1).padStart(13)} ${r.greenGramsCo2.toExponential(3).padStart(15)} ${r.greenLatencyMs.toFixed(1).padStart(9)} ${r.paperGreenGramsCo2.toExponential(3).padStart(14)}`);
      }
      return 0;
    }
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      io.err(`experiment: ${signal}: closing the browser and the server...`);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      progress(`scenario ${scenario.name}: ${scenario.nodes.length} nodes, ${scenario.configurations.length} configurations, ${scenario.inferences} inferences x ${scenario.repetitions}`);
      const results = await runBrowserExperiment(scenario, {
        progress,
        signal: controller.signal,
        tag: flagString(args, 'tag') ?? `run-${process.pid}`,
        forceBuild: flagBool(args, 'build'),
      });
      const files = await writeResults(out, results);
      if (json) io.out(JSON.stringify({ files, configurations: results.configurations, nodes: results.nodes }, null, 2));
      else printResults(results, io, files);
      return 0;
    } catch (error) {
      if (controller.signal.aborted) {
        io.err('experiment: interrupted; browser and server closed');
        return 130;
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
