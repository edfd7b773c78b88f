/**
 * The paper's experiment, simulated: a closed loop (one request in flight, as the paper's
 * req/s = 1000 / latency implies) of `inferences` x `repetitions` whole inferences routed by the
 * paper's policy. Each node first runs one benchmark task (its history starts non-empty - without
 * it, S_P = 0.5 everywhere and the first winner keeps winning). After a task the node's history
 * gets the scheduler-visible execution time of the scenario.
 */
import { PAPER_POLICY_DEFAULTS, choosePaperNode, scorePaperNode, sweepPaperWeights, type PaperPolicyOptions, type PaperWeights } from './paper-policy';
import { PAPER_SCENARIO_NODES, STRICT_PRIORS, schedulerExecMs, type PaperScenarioNode } from './paper-scenario';
import { seededRandom } from '../util/seeded-random';

/** Options of {@link simulatePaperPolicy}. */
export interface PaperSimulationOptions {
  readonly nodes?: readonly PaperScenarioNode[];
  readonly inferences?: number;
  readonly repetitions?: number;
  readonly seed?: number;
  readonly policy?: PaperPolicyOptions;
}

/** What a simulated run did. */
export interface PaperSimulation {
  /** Tasks per node id over all repetitions. */
  readonly usage: Readonly<Record<string, number>>;
  readonly totalTasks: number;
  /** Node with most tasks. */
  readonly majorityNodeId: string;
  /** Mean wall time of one scheduling decision in this process, microseconds. */
  readonly decisionMicroseconds: number;
}

/** Run the paper's policy with weights `w` on the scenario (default: the paper's three nodes). */
export function simulatePaperPolicy(w: PaperWeights, options: PaperSimulationOptions = {}): PaperSimulation {
  const nodes = options.nodes ?? PAPER_SCENARIO_NODES;
  const policy = options.policy ?? PAPER_POLICY_DEFAULTS;
  const random = seededRandom(options.seed ?? 42);
  const usage: Record<string, number> = Object.fromEntries(nodes.map((n) => [n.id, 0]));
  let decisions = 0;
  let decisionMs = 0;
  for (let rep = 0; rep < (options.repetitions ?? 3); rep++) {
    const history = nodes.map((n) => [schedulerExecMs(n)]);
    for (let k = 0; k < (options.inferences ?? 50); k++) {
      const states = nodes.map((n, i) => ({
        id: n.id,
        cpuAvailable: n.cpuShare,
        memoryAvailableMb: n.memoryMb,
        gramsCo2PerKwh: n.gramsCo2PerKwh,
        scoringPowerWatts: STRICT_PRIORS.maxWattsPerCpu * n.cpuShare,
        executionTimesMs: history[i]!,
        taskCount: 0,
      }));
      const t0 = performance.now();
      const { index } = choosePaperNode(states, w, random, policy);
      decisionMs += performance.now() - t0;
      decisions++;
      if (index < 0) continue;
      const h = history[index]!;
      h.push(schedulerExecMs(nodes[index]!));
      if (h.length > policy.historyLength) h.shift();
      usage[nodes[index]!.id]! += 1;
    }
  }
  const totalTasks = Object.values(usage).reduce((a, b) => a + b, 0);
  const majorityNodeId = Object.entries(usage).sort((a, b) => b[1] - a[1])[0]![0];
  return { usage, totalTasks, majorityNodeId, decisionMicroseconds: (decisionMs * 1000) / Math.max(1, decisions) };
}

/** Largest minus smallest S_C and S_P over the scenario's nodes after the benchmark task. */
export function paperScoreSpreads(nodes: readonly PaperScenarioNode[] = PAPER_SCENARIO_NODES, policy = PAPER_POLICY_DEFAULTS): { carbon: number; performance: number } {
  const scores = nodes.map((n) =>
    scorePaperNode(
      { id: n.id, cpuAvailable: n.cpuShare, memoryAvailableMb: n.memoryMb, gramsCo2PerKwh: n.gramsCo2PerKwh, scoringPowerWatts: STRICT_PRIORS.maxWattsPerCpu * n.cpuShare, executionTimesMs: [schedulerExecMs(n)], taskCount: 0 },
      sweepPaperWeights(0.5),
      policy,
    ),
  );
  const spread = (key: 'carbon' | 'performance'): number => Math.max(...scores.map((s) => s[key])) - Math.min(...scores.map((s) => s[key]));
  return { carbon: spread('carbon'), performance: spread('performance') };
}

/** Sweep result: where the majority node first changes as wC grows. */
export interface PaperSweep {
  readonly points: ReadonlyArray<{ readonly carbonWeight: number; readonly majorityNodeId: string }>;
  /** First wC whose majority node differs from wC = 0's; undefined when routing never switches. */
  readonly switchCarbonWeight?: number;
  readonly fromNodeId: string;
  readonly toNodeId?: string;
}

/** Sweep wC over [0, 1] in `steps` steps (default 100), other weights in Performance proportions. */
export function sweepPaperPolicy(steps = 100, options: PaperSimulationOptions = {}): PaperSweep {
  const points = Array.from({ length: steps + 1 }, (_, k) => {
    const carbonWeight = k / steps;
    const sim = simulatePaperPolicy(sweepPaperWeights(carbonWeight), { repetitions: 1, ...options });
    return { carbonWeight, majorityNodeId: sim.majorityNodeId };
  });
  const fromNodeId = points[0]!.majorityNodeId;
  const switched = points.find((p) => p.majorityNodeId !== fromNodeId);
  return switched
    ? { points, switchCarbonWeight: switched.carbonWeight, fromNodeId, toNodeId: switched.majorityNodeId }
    : { points, fromNodeId };
}
