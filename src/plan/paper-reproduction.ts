/**
 * `carbonedge reproduce-paper` as data: the paper's scenario simulated under the paper's accounting
 * and under the strict one, each with the paper's Table II / Table V rows and our planner's rows.
 * A paper row's (latency, gCO2) is the usage-weighted mean of whole-model pipelines on the nodes the
 * policy chose, evaluated by the same cost model as our planner, so both sides are comparable.
 */
import { PAPER_MODES, sweepPaperWeights, type PaperMode } from './paper-policy';
import { paperScoreSpreads, simulatePaperPolicy, sweepPaperPolicy } from './paper-simulation';
import { PAPER_MONOLITHIC, PAPER_REPORTED, STRICT_PRIORS, paperHostPowerWatts, paperPlanInputs, type PaperAccountingKind } from './paper-scenario';
import { evaluatePath } from './pipeline-evaluate';
import { compareWithFront, planSweep, type FrontVerdict, type SweepPoint } from './plan-sweep';
import type { PlanModel } from './plan-model';
import { PLANNER_MODES, type PlannerMode } from './plan-types';
import { plan } from './planner';
import { buildSearchContext } from './search-context';
import { syntheticMobileNetV2 } from './synthetic-model';

/** One row of a reproduced Table II. */
export interface ReproductionRow {
  readonly config: string;
  readonly latencyMs: number;
  /** Closed loop for paper rows (1000 / latency); pipelined capacity for our planner's rows. */
  readonly requestsPerSecond: number;
  readonly gramsCo2PerInference: number;
  readonly inferencesPerGram: number;
  /** gCO2 vs monolithic - 1 (negative = reduction). */
  readonly changeVsMonolithic: number;
  /** Table V: fraction of tasks per node id (paper rows), or the placement (our rows). */
  readonly nodeUsage?: Readonly<Record<string, number>>;
  readonly placement?: string;
  /** The paper's reported figures for this row, when it has one. */
  readonly reported?: { readonly latencyMs: number; readonly requestsPerSecond: number; readonly gramsCo2PerInference: number; readonly change: number };
}

/** One accounting's reproduction. */
export interface AccountingReproduction {
  readonly accounting: PaperAccountingKind;
  readonly description: string;
  readonly monolithic: ReproductionRow;
  readonly paperRows: readonly ReproductionRow[];
  readonly ourRows: readonly ReproductionRow[];
  /** Our planner's Pareto front (21-point sweep). */
  readonly front: readonly SweepPoint[];
  /** Per paper mode: does some front point have <= latency and <= gCO2? */
  readonly frontDominates: Readonly<Record<string, boolean>>;
  /**
   * Per paper mode: `matches` (a front point with the same placement), `dominates` (a front point
   * strictly better on latency or gCO2 and no worse on the other) or `neither`, with the point.
   */
  readonly frontVerdicts: Readonly<Record<string, FrontVerdict>>;
}

/** The whole reproduction. */
export interface PaperReproduction {
  readonly hostPowerWatts: number;
  readonly spreads: { readonly carbon: number; readonly performance: number };
  readonly switchCarbonWeight?: number;
  readonly switchFrom: string;
  readonly switchTo?: string;
  readonly decisionMicroseconds: number;
  readonly accountings: readonly AccountingReproduction[];
}

const PAPER_ROWS: ReadonlyArray<{ config: string; mode?: PaperMode; reported: keyof typeof PAPER_REPORTED }> = [
  { config: 'AMP4EC-like (wC=0)', reported: 'amp4ec' },
  { config: 'CE-Performance', mode: 'performance', reported: 'performance' },
  { config: 'CE-Balanced', mode: 'balanced', reported: 'balanced' },
  { config: 'CE-Green', mode: 'green', reported: 'green' },
];

function row(config: string, latencyMs: number, requestsPerSecond: number, grams: number, monolithicGrams: number): ReproductionRow {
  return { config, latencyMs, requestsPerSecond, gramsCo2PerInference: grams, inferencesPerGram: 1 / grams, changeVsMonolithic: grams / monolithicGrams - 1 };
}

/** Monolithic: whole model on one local 1.0-CPU node at 530 gCO2/kWh, no transfers. */
function monolithicRow(kind: PaperAccountingKind, hostWatts: number): ReproductionRow {
  const latencyMs = PAPER_MONOLITHIC.latencyMs;
  const watts = kind === 'paper' ? hostWatts : STRICT_PRIORS.maxWattsPerCpu;
  const grams = ((watts * latencyMs) / 1000 / 3.6e6) * PAPER_MONOLITHIC.gramsCo2PerKwh;
  return { ...row('Monolithic', latencyMs, 1000 / latencyMs, grams, grams), reported: PAPER_REPORTED.monolithic };
}

/** Reproduce the paper on `model` (default: the synthetic MobileNetV2). */
export function reproducePaper(model: PlanModel = syntheticMobileNetV2()): PaperReproduction {
  const hostPowerWatts = paperHostPowerWatts();
  const simulations = PAPER_ROWS.map((r) => simulatePaperPolicy(r.mode ? PAPER_MODES[r.mode] : sweepPaperWeights(0)));
  const sweep = sweepPaperPolicy();
  const accountings = (['paper', 'strict'] as const).map((kind): AccountingReproduction => {
    const inputs = paperPlanInputs(model, kind);
    const ctx = buildSearchContext(inputs, inputs.nodes);
    const whole = inputs.nodes.map((_, b) => evaluatePath(ctx, [{ start: 0, end: model.nodeCount, node: b }]).objectives);
    const monolithic = monolithicRow(kind, hostPowerWatts);
    const mono = monolithic.gramsCo2PerInference;
    const paperRows = PAPER_ROWS.map((r, k) => {
      const sim = simulations[k]!;
      const share = inputs.nodes.map((n) => (sim.usage[n.id] ?? 0) / sim.totalTasks);
      const latencyMs = share.reduce((acc, s, b) => acc + s * whole[b]!.latencyMs, 0);
      const grams = share.reduce((acc, s, b) => acc + s * whole[b]!.gramsCo2, 0);
      return {
        ...row(r.config, latencyMs, 1000 / latencyMs, grams, mono),
        nodeUsage: Object.fromEntries(inputs.nodes.map((n, b) => [n.id, share[b]!])),
        reported: PAPER_REPORTED[r.reported],
      };
    });
    const ourRows = (Object.keys(PLANNER_MODES) as PlannerMode[]).map((mode) => {
      const result = plan({ ...inputs, mode });
      if (!result.ok) return { ...row(`ours-${mode}`, NaN, 0, NaN, mono), placement: `infeasible: ${result.reason}` };
      const p = result.placement;
      return {
        ...row(`ours-${mode}`, p.prediction.latencyMs, p.prediction.throughputPerSecond, p.prediction.gramsCo2, mono),
        placement: p.pipelines.map((q) => q.slices.map((s) => `[${s.sliceRange[0]},${s.sliceRange[1]})@${s.nodeId}`).join(' ')).join(' | '),
      };
    });
    const sweepResult = planSweep(inputs, 21);
    const front = sweepResult.ok ? sweepResult.front : [];
    const frontDominates = Object.fromEntries(
      paperRows.map((r) => [r.config, front.some((p) => p.latencyMs <= r.latencyMs * (1 + 1e-9) && p.gramsCo2 <= r.gramsCo2PerInference * (1 + 1e-9))]),
    );
    const frontVerdicts = Object.fromEntries(
      paperRows.map((r) => {
        const only = Object.entries(r.nodeUsage).find(([, share]) => share >= 1 - 1e-12);
        const placement = only ? `[0,${model.nodeCount})@${only[0]}` : undefined;
        return [r.config, compareWithFront(front, { latencyMs: r.latencyMs, gramsCo2: r.gramsCo2PerInference, ...(placement ? { placement } : {}) })];
      }),
    );
    return {
      accounting: kind,
      description: kind === 'paper'
        ? `paper accounting: measured latencies, constant host power ${hostPowerWatts.toFixed(1)} W calibrated so monolithic gives ${PAPER_MONOLITHIC.inferencesPerGram} inferences/g`
        : `strict accounting: speed proportional to CPU share (1.0 CPU = ${STRICT_PRIORS.referenceExecMs} ms), P = P_idle + u (P_max - P_idle) with ${STRICT_PRIORS.idleWattsPerCpu}/${STRICT_PRIORS.maxWattsPerCpu} W per CPU, u = 1 while running, Docker-bridge links`,
      monolithic,
      paperRows,
      ourRows,
      front,
      frontDominates,
      frontVerdicts,
    };
  });
  return {
    hostPowerWatts,
    spreads: paperScoreSpreads(),
    ...(sweep.switchCarbonWeight === undefined ? {} : { switchCarbonWeight: sweep.switchCarbonWeight }),
    switchFrom: sweep.fromNodeId,
    ...(sweep.toNodeId ? { switchTo: sweep.toNodeId } : {}),
    decisionMicroseconds: simulations.reduce((a, s) => a + s.decisionMicroseconds, 0) / simulations.length,
    accountings,
  };
}
