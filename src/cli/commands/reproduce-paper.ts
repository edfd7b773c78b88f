import { flagBool, helpText, parseArgs, CliError, type FlagSpec } from '../args';
import type { CliCommand } from '../command';
import { reproducePaper, type ReproductionRow } from '../../plan/paper-reproduction';

const spec: Record<string, FlagSpec> = {};

const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

function line(r: ReproductionRow): string {
  const usage = r.nodeUsage ? Object.entries(r.nodeUsage).filter(([, s]) => s > 0).map(([id, s]) => `${id} ${(s * 100).toFixed(0)}%`).join(', ') : r.placement ?? '';
  const ours = `${r.config.padEnd(20)} ${r.latencyMs.toFixed(2).padStart(8)} ${r.requestsPerSecond.toFixed(2).padStart(6)} ${r.gramsCo2PerInference.toExponential(3).padStart(10)} ${r.inferencesPerGram.toFixed(1).padStart(8)} ${pct(r.changeVsMonolithic).padStart(7)}`;
  const paper = r.reported ? `  | paper ${r.reported.latencyMs.toFixed(2)} ms ${r.reported.requestsPerSecond} req/s ${r.reported.gramsCo2PerInference} g ${pct(r.reported.change)}` : '';
  return `${ours}  ${usage}${paper}`;
}

/** `carbonedge reproduce-paper`: the paper's Table II / V and weight sweep, simulated under two accountings. */
export const reproducePaperCommand: CliCommand = {
  name: 'reproduce-paper',
  summary: "simulate the paper's testbed: Table II rows, Table V node usage, sweep switch, with our planner beside",
  async run(argv, io) {
    const args = parseArgs(argv, spec);
    if (flagBool(args, 'help')) {
      io.out(helpText('carbonedge reproduce-paper [--json]', this.summary, spec));
      return 0;
    }
    if (args.positionals.length) throw new CliError(`unexpected argument "${args.positionals[0]}"`);
    const r = reproducePaper();
    if (flagBool(args, 'json')) {
      io.out(JSON.stringify(r, null, 2));
      return 0;
    }
    io.out('CarbonEdge (arXiv 2603.27420) reproduced on a synthetic MobileNetV2 profile, 3 nodes (1.0/0.6/0.4 CPU at 620/530/380 gCO2/kWh)');
    io.out(`scheduler: S_C spread ${r.spreads.carbon.toFixed(3)} (paper 0.054), S_P spread ${r.spreads.performance.toFixed(3)} (paper 0.166), ${r.decisionMicroseconds.toFixed(1)} us per decision`);
    io.out(`weight sweep: routing switches from ${r.switchFrom} to ${r.switchTo ?? '(none)'} at wC = ${r.switchCarbonWeight?.toFixed(2) ?? 'never'} (paper: 0.50)`);
    for (const a of r.accountings) {
      io.out('');
      io.out(`== ${a.description}`);
      io.out(`${'config'.padEnd(20)} ${'ms'.padStart(8)} ${'req/s'.padStart(6)} ${'gCO2/inf'.padStart(10)} ${'inf/g'.padStart(8)} ${'vs mono'.padStart(7)}  node usage / placement`);
      for (const row of [a.monolithic, ...a.paperRows, ...a.ourRows]) io.out(line(row));
      io.out('our Pareto front (21-point sweep):');
      for (const p of a.front) io.out(`  ${p.latencyMs.toFixed(2).padStart(8)} ms  ${p.gramsCo2.toExponential(3)} g  ${p.placement}`);
      io.out(`front dominates each paper mode: ${Object.entries(a.frontDominates).map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`).join(', ')}`);
    }
    return 0;
  },
};
