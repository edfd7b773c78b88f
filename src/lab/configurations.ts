/**
 * From a scenario's configurations to concrete runs. Sweeps expand into one planner run per weight
 * point; the paper's modes are resolved here, before running, into "the whole model pinned on the
 * node the paper's policy routes to" - computed with src/plan/paper-policy.ts from the nodes'
 * measured speeds (their benchmarks, slowdown included) and intensities. The paper routes each task
 * to one node (task-level routing), so a pinned monolithic run on its choice is its execution.
 */
import { PAPER_MODES, PAPER_POLICY_DEFAULTS, choosePaperNode, type PaperMode } from '../plan/paper-policy';
import { PLANNER_MODES, type PlanConstraints, type PlanNode, type PlanWeights, type PlannerMode } from '../plan/plan-types';
import { seededRandom } from '../util/seeded-random';
import type { LabConfiguration, LabScenario } from './scenario';

/** One run to make (before the paper's modes are resolved to a node). */
export interface ExpandedConfiguration {
  /** Unique label, e.g. `monolithic@Node-Medium`, `paper-green`, `planner-balanced`, `sweep wC=0.50`. */
  readonly label: string;
  readonly kind: LabConfiguration['kind'];
  /** Node names in slice order (monolithic, split with nodes). */
  readonly pin?: readonly string[];
  readonly paperMode?: PaperMode;
  readonly mode: PlannerMode;
  readonly weights?: PlanWeights;
  readonly constraints?: PlanConstraints;
  /** 0 = planner decides; k = fixed k-way split. */
  readonly stages: number;
  /** Sweep points only: the carbon weight wC. */
  readonly carbonWeight?: number;
  /** Latency budget relative to the fastest whole-model placement, resolved when the nodes are known ({@link fastestWholeModelMs}). */
  readonly latencyBudgetFactor?: number;
}

/**
 * The planner's predicted latency of the fastest whole-model placement (the whole model on one
 * node) over `nodes`, ms, or undefined when none fits: what a relative latency budget multiplies.
 */
export function fastestWholeModelMs(nodes: readonly PlanNode[], wholeOn: (node: PlanNode) => number | undefined): number | undefined {
  const all = nodes.flatMap((n) => {
    const ms = wholeOn(n);
    return ms !== undefined && Number.isFinite(ms) ? [ms] : [];
  });
  return all.length ? Math.min(...all) : undefined;
}

/**
 * Weights of sweep point k of K: wC = k / (K - 1), the rest shared between latency and energy in
 * Performance-mode proportions (the same rule as src/plan/plan-sweep.ts).
 */
export function sweepWeights(k: number, points: number): PlanWeights {
  const base = PLANNER_MODES.performance;
  const carbon = points === 1 ? 1 : k / (points - 1);
  const rest = base.latency + base.energy;
  return { latency: ((1 - carbon) * base.latency) / rest, energy: ((1 - carbon) * base.energy) / rest, carbon };
}

/** Expand the scenario's configurations (labels made unique by a numeric suffix). */
export function expandConfigurations(scenario: LabScenario): ExpandedConfiguration[] {
  const out: ExpandedConfiguration[] = [];
  for (const c of scenario.configurations) {
    switch (c.kind) {
      case 'monolithic':
        out.push({ label: c.label ?? `monolithic@${c.node}`, kind: c.kind, pin: [c.node], mode: 'balanced', stages: 1 });
        break;
      case 'paper':
        out.push({ label: c.label ?? `paper-${c.mode}`, kind: c.kind, paperMode: c.mode, mode: 'balanced', stages: 1 });
        break;
      case 'planner': {
        const mode = c.mode ?? 'balanced';
        const name = c.weights ? `planner-w(${c.weights.latency},${c.weights.energy},${c.weights.carbon})` : `planner-${mode}`;
        out.push({
          label: c.label ?? `${name}${c.latencyBudgetMs !== undefined ? `<=${c.latencyBudgetMs}ms` : c.latencyBudgetFactor !== undefined ? `<=${c.latencyBudgetFactor}x-fastest` : ''}`,
          kind: c.kind,
          mode,
          ...(c.weights ? { weights: c.weights } : {}),
          ...(c.latencyBudgetMs !== undefined ? { constraints: { latencyBudgetMs: c.latencyBudgetMs } } : {}),
          ...(c.latencyBudgetFactor !== undefined ? { latencyBudgetFactor: c.latencyBudgetFactor } : {}),
          stages: 0,
        });
        break;
      }
      case 'split':
        out.push({ label: c.label ?? `split${c.stages}-${c.nodes ? c.nodes.join('>') : c.mode ?? 'balanced'}`, kind: c.kind, mode: c.mode ?? 'balanced', stages: c.stages, ...(c.nodes ? { pin: c.nodes } : {}) });
        break;
      case 'sweep':
        for (let k = 0; k < c.points; k++) {
          const weights = sweepWeights(k, c.points);
          out.push({ label: `${c.label ?? 'sweep'} wC=${weights.carbon.toFixed(2)}`, kind: c.kind, mode: 'balanced', weights, stages: 0, carbonWeight: weights.carbon });
        }
        break;
    }
  }
  const seen = new Map<string, number>();
  return out.map((c) => {
    const n = (seen.get(c.label) ?? 0) + 1;
    seen.set(c.label, n);
    return n === 1 ? c : { ...c, label: `${c.label} #${n}` };
  });
}

/** What the paper's scheduler knows about a node (measured or modelled). */
export interface PaperCandidate {
  readonly name: string;
  readonly slowdown: number;
  readonly memoryMb: number;
  readonly gramsCo2PerKwh: number;
  /** P_node of the paper's E_est: the node's full-load power, W. */
  readonly maxWatts: number;
  /** Execution time of one whole inference on the node, ms (from its measured FLOP/s). */
  readonly execMs: number;
}

/** The paper policy's routing of a run. */
export interface PaperChoice {
  /** Node with most tasks (the whole model is pinned there). */
  readonly node: string;
  /** Share of tasks per node name. */
  readonly usage: Readonly<Record<string, number>>;
  /** Mean wall time of one scheduling decision, microseconds. */
  readonly decisionMicroseconds: number;
}

/**
 * Route `inferences` tasks with the paper's policy in `mode` (closed loop, as
 * src/plan/paper-simulation.ts): every node's history starts with one benchmark task, the chosen
 * node's history gets its execution time. CPU available = 1 / slowdown (the quota).
 */
export function paperChoice(mode: PaperMode, candidates: readonly PaperCandidate[], inferences: number, seed: number): PaperChoice {
  const random = seededRandom(seed);
  const history = candidates.map((c) => [c.execMs]);
  const tasks = candidates.map(() => 0);
  let decisionMs = 0;
  for (let k = 0; k < inferences; k++) {
    const states = candidates.map((c, i) => ({
      id: c.name,
      cpuAvailable: 1 / c.slowdown,
      memoryAvailableMb: c.memoryMb,
      gramsCo2PerKwh: c.gramsCo2PerKwh,
      scoringPowerWatts: c.maxWatts,
      executionTimesMs: history[i]!,
      taskCount: 0,
    }));
    const t0 = performance.now();
    const { index } = choosePaperNode(states, PAPER_MODES[mode], random, PAPER_POLICY_DEFAULTS);
    decisionMs += performance.now() - t0;
    if (index < 0) continue;
    tasks[index]!++;
    const h = history[index]!;
    h.push(candidates[index]!.execMs);
    if (h.length > PAPER_POLICY_DEFAULTS.historyLength) h.shift();
  }
  const total = Math.max(1, tasks.reduce((a, b) => a + b, 0));
  const best = tasks.indexOf(Math.max(...tasks));
  return {
    node: candidates[best]!.name,
    usage: Object.fromEntries(candidates.map((c, i) => [c.name, tasks[i]! / total])),
    decisionMicroseconds: (decisionMs * 1000) / Math.max(1, inferences),
  };
}
