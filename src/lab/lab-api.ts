/**
 * The contract between the coordinator page's lab hook (`window.carbonedgeLab`, src/ui/lab-hooks.ts)
 * and the `carbonedge experiment` runner in Node (src/lab/browser-lab.ts). Types only: plain,
 * structured-clone-safe data, so it crosses `page.evaluate` unchanged.
 */
import type { PredictionRow } from '../cost/calibration';
import type { LedgerRow, LedgerSummary } from '../carbon/ledger';
import type { Placement, PlanConstraints, PlanNode, PlanWeights, PlannerMode } from '../plan/plan-types';

/** What one lab run asks for (a subset of the Run panel's RunSettings plus `pin`). */
export interface LabRunSettings {
  readonly model: string;
  readonly mode: PlannerMode;
  readonly weights?: PlanWeights;
  /** 0 = planner decides; k = fixed k-way split (ignored when `pin` is given). */
  readonly stages: number;
  /** Node names in slice order: forces the placement (src/plan/pinned.ts). */
  readonly pin?: readonly string[];
  readonly constraints?: PlanConstraints;
  /**
   * A latency budget relative to the fastest whole-model placement (the hook resolves it): the
   * latency `fastestWholeModelMs` gives when set, else the planner's prediction on the nodes present.
   */
  readonly latencyBudgetFactor?: number;
  /** The fastest whole-model latency measured earlier in the same repetition, ms (browser-lab.ts). */
  readonly fastestWholeModelMs?: number;
  readonly inferences: number;
  /** Requests in flight per pipeline; 1 = closed loop (the paper's setting). */
  readonly window: number;
  /** Seed of request i's random input: seed + i. */
  readonly seed: number;
  /** Unmeasured warm-up requests before the measured ones (default 2, at least 1). */
  readonly warmup?: number;
  /** Share of requests audited, 0..1 (re-run on the coordinator tab's worker and compared); 0/absent = none. */
  readonly auditRate?: number;
  /**
   * CPU the machine spends per byte moved between its pages, ms, as the lab measured it
   * (src/lab/host-transfer.ts): the planner charges it to the pages' shared host (HostGroup.transferCpuMsPerByte).
   */
  readonly hostTransferCpuMsPerByte?: number;
}

/** What a run's audits found (src/trust/audit.ts). */
export interface LabAudits {
  readonly requestsAudited: number;
  readonly slicesJudged: number;
  readonly mismatches: number;
  /** Node names quarantined. */
  readonly quarantined: readonly string[];
  /** Referee compute on the coordinator's machine, ms. */
  readonly refereeMs: number;
}

/** A node as the coordinator sees it, with the planner's view of it. */
export interface LabNodeInfo {
  readonly nodeId: string;
  readonly name: string;
  readonly state: string;
  readonly simulated: boolean;
  /** Slowdown the node reported in its profile (1 when none). */
  readonly slowdown: number;
  /** Fastest measured backend rate, FLOP/s (0 before the benchmark). */
  readonly flopsPerSecond: number;
  readonly gramsCo2PerKwh: number;
  readonly intensitySource: string;
  readonly powerLabel: string;
  /** The planner's node (src/swarm/plan-inputs.ts toPlanNode), when plannable. */
  readonly planNode?: PlanNode;
  /** Whether the coordinator measured its link to the node (src/swarm/link-prober.ts). */
  readonly linkMeasured?: boolean;
}

/** One request's outcome, without its output tensors. */
export interface LabOutcome {
  readonly requestId: number;
  readonly ok: boolean;
  /** Send to result, ms (absent on failure). */
  readonly latencyMs?: number;
  readonly attempts: number;
  readonly reason?: string;
}

/** What one lab run measured. */
export interface LabRunRecord {
  readonly settings: LabRunSettings;
  /** Empty when the run worked. */
  readonly error: string;
  readonly placement?: Placement;
  /** Node id -> name at the end of the run. */
  readonly nodeNames: Readonly<Record<string, string>>;
  readonly outcomes: readonly LabOutcome[];
  /** Every ledger row with its provenance (src/carbon/ledger.ts). */
  readonly rows: readonly LedgerRow[];
  readonly summary?: LedgerSummary;
  /** Wall time from deployment done to the last result, ms. */
  readonly runWallMs: number;
  /** Time spent planning (all plans of the run, re-plans included), ms. */
  readonly planningMs: number;
  readonly deployMs: number;
  readonly replans: number;
  /** The audits, when the run audited. */
  readonly audits?: LabAudits;
  /** The same placement predicted again with what the warm-up measured (calibration), when it worked. */
  readonly calibratedPrediction?: Placement['prediction'];
  /** The latency budget the run was planned with, ms (a relative budget resolved on the nodes present). */
  readonly latencyBudgetMs?: number;
  /** What a relative budget was resolved from: `measured` (earlier whole-model runs) or `predicted`. */
  readonly latencyBudgetBasis?: 'measured' | 'predicted';
  /**
   * The last latency budget check made after a warm-up (budgeted planner runs), and `replans`: how
   * often a warm-up measured the placement over its budget, so that the run re-planned and warmed
   * the new placement up before measuring.
   */
  readonly budgetCheck?: { readonly outcome: string; readonly reason: string; readonly measuredMs?: number; readonly predictedMs?: number; readonly aimedMs?: number; readonly replans?: number };
  /** Per-slice predictions right after the warm-up (calibrated) and at the end, with measured medians. */
  readonly predictionsAfterWarmup?: readonly PredictionRow[];
  readonly predictions?: readonly PredictionRow[];
  /**
   * The last wait for a quiet machine between a deployment and its warm-up (the first, or one after
   * a budget re-plan), when the runner offered one ({@link LabSettle}): the pages' compile threads
   * optimise the deployed slices' kernels then.
   */
  readonly settledAfterDeploy?: LabQuiet;
}

/** What a wait for a quiet machine saw (src/lab/quiet.ts QuietResult). */
export interface LabQuiet {
  readonly quiet: boolean;
  readonly waitedMs: number;
  readonly busyCores: number;
}

/**
 * Installed on the coordinator page by the runner (`window.carbonedgeLabSettle`, playwright's
 * exposeFunction): waits, in Node, until the machine is quiet, and says what it saw.
 */
export type LabSettle = (what: string) => Promise<LabQuiet>;

/** The hook the coordinator page installs on `window`. */
export interface CarbonedgeLabApi {
  readonly version: 1;
  nodes(): LabNodeInfo[];
  run(settings: LabRunSettings): Promise<LabRunRecord>;
  /**
   * Ask one node to benchmark again (while nothing else runs) and resolve with its new figures;
   * rejects after `timeoutMs` (default 240 s: a stalled benchmark starts over once after 150 s).
   */
  remeasure(nodeId: string, timeoutMs?: number): Promise<LabNodeInfo>;
  /**
   * Send `bytes` to one node over the coordinator's link, as the link probe's bulk transfers
   * (src/cost/link-probe.ts), and resolve once the node has all of them: what the lab times the
   * machine's CPU against (src/lab/host-transfer.ts). Rejects when the node has no link.
   */
  moveBytes(nodeId: string, bytes: number): Promise<{ readonly bytes: number; readonly ms: number }>;
  /** Forget the coordinator's link figures and probe every ready node again (src/swarm/link-prober.ts `reprobe`). */
  reprobeLinks(): void;
}
