/** Types of the run controller (run-controller.ts): options, outcomes, counters, events. */
import type { CarbonLedger } from '../carbon/ledger';
import type { IntensityReading } from '../carbon/intensity';
import type { PowerModel } from '../carbon/power-model';
import type { ModelProfile } from '../graph/index';
import type { Placement, PlanResult } from '../plan/plan-types';
import type { TensorData } from '../runtime/tensor';
import type { Coordinator, NodeRecord } from './coordinator';
import type { DeployProgress, DeployTimings } from './stage-deployer';
import type { Calibration } from '../cost/calibration';
import type { RunLearning } from './run-learning';

/** How a request ended. */
export type RequestOutcome =
  | {
      readonly ok: true;
      readonly requestId: number;
      readonly outputs: Record<string, TensorData>;
      /** From the successful send to its result, ms. */
      readonly latencyMs: number;
      /** From submission to result, including retries, ms. */
      readonly totalMs: number;
      readonly attempts: number;
      readonly pipeline: number;
      /** A node of its pipeline was already quarantined by the audits when it arrived. */
      readonly suspect?: true;
    }
  | {
      readonly ok: false;
      readonly requestId: number;
      readonly reason: string;
      readonly attempts: number;
      /** Ended by a Stop (the user's, or a new run's), not by a failure. */
      readonly cancelled?: boolean;
    };

/** An outcome without its outputs (kept for its id, latency and status only: `outputs` is empty). */
export const withoutOutputs = (outcome: RequestOutcome): RequestOutcome => (outcome.ok ? { ...outcome, outputs: {} } : outcome);

/** What the planning callback learns about the situation it plans for. */
export interface PlanContext {
  /** False for the run's first plan; true when re-planning (node lost, drift, settings changed). */
  readonly replan: boolean;
  /** What the run measured so far (src/cost/calibration.ts): plan with it (calibration-feed.ts). */
  readonly calibration?: Calibration;
  /**
   * Executions of these nodes the run saw running at once while saturated (src/cost/host-concurrency.ts),
   * or undefined before it measured enough: a shared host is planned with at most that many cores.
   */
  readonly hostConcurrency?: (nodeIds: readonly string[]) => number | undefined;
  /**
   * Plan a latency budget as this share of itself (0 < scale <= 1; absent = 1): set by the budget
   * check (run-controller.ts `checkLatencyBudget`) after the run measured its latency over a budget
   * its plan predicted to meet, so the re-plan leaves room for the error it saw.
   */
  readonly latencyBudgetScale?: number;
  /**
   * How long the run's hops really take against what the plan said (links probed or LAN
   * defaults), from its own results (run-controller.ts `hopScale`): plans and predictions scale
   * every link's time by it. Absent until measured.
   */
  readonly hopScale?: number;
}

/** A plan, with a line saying how it departs from what was asked (e.g. fewer slices than asked). */
export type RunPlanResult = PlanResult & { readonly note?: string };

/**
 * Slice id of the ledger's rows for the referee's re-runs (`audit:` + the slice's index): the Run
 * panel's plan check tells them from the pipeline's own rows, which a plan predicts.
 */
export const AUDIT_SLICE_PREFIX = 'audit:';

/** Audits of a run (src/trust/audit.ts): spot checks of nodes' outputs against a trusted referee. */
export interface RunAuditOptions {
  /** Share of requests audited, 0..1 (default 0.05). */
  readonly rate?: number;
  /** Mismatches that quarantine a node (default 2). */
  readonly quarantineAfter?: number;
  /**
   * Audited results waiting for the referee at which new requests are held back (default 4): a slow
   * referee slows the run rather than judging a liar long after its results were used.
   */
  readonly maxBacklog?: number;
  /** Uniform [0, 1) source choosing the audited requests (default Math.random; seeded in tests). */
  readonly random?: () => number;
  /**
   * Run one slice on the coordinator's own worker (the user's machine: the trusted referee) with
   * `inputs`; resolves with its outputs.
   */
  readonly referee: (slice: { readonly sha256: string; readonly model: Uint8Array; readonly backend: string }, inputs: Record<string, TensorData>) => Promise<{ readonly outputs: Record<string, TensorData>; readonly busyMs: number }>;
  /**
   * The referee's machine as the ledger charges it: each slice it re-runs is an execution row of
   * node `coordinator` (audit work is energy too). Absent = its time is counted, not charged.
   */
  readonly refereeHost?: { readonly power: PowerModel; readonly intensity: IntensityReading };
}

/** Options of {@link RunController}. */
export interface RunControllerOptions {
  readonly coordinator: Coordinator;
  readonly profile: ModelProfile;
  /** Plan on the given nodes (the run's mode, weights and placement kind live in this closure). */
  readonly planNodes: (nodes: readonly NodeRecord[], context: PlanContext) => RunPlanResult;
  readonly ledger?: CarbonLedger;
  /** Requests in flight per pipeline (default 2, so stages overlap). */
  readonly window?: number;
  /** A request with no result after this long is re-sent (default 60 s). */
  readonly requestTimeoutMs?: number;
  /** Deployment must finish within this (default 120 s); stalls are found sooner (`deployTimings`). */
  readonly deployTimeoutMs?: number;
  /** Per-stage deadlines of a deployment (answer to `deploy`, load after the bytes). */
  readonly deployTimings?: DeployTimings;
  /** Sends per request before it fails (default 3; re-sends after a node loss do not count). */
  readonly maxAttempts?: number;
  /** Re-plans allowed before pending requests fail (default 8, not counting pauses). */
  readonly maxReplans?: number;
  /**
   * When no placement works after losing nodes, the run pauses and resumes as soon as one does;
   * after this long without one it fails what is pending (default 120 s).
   */
  readonly pauseTimeoutMs?: number;
  /** Audits (off when absent). */
  readonly audit?: RunAuditOptions;
  /** Re-plan when calibration finds a node's speed moved for good (default true). */
  readonly replanOnDrift?: boolean;
  /**
   * No drift re-plan within this long of the last deployment, ms (default 20 s): on a shared host a
   * new placement slows its neighbours, which reads as drift; without a pause the run redeploys
   * back and forth and re-sends what was in flight each time.
   */
  readonly driftCooldownMs?: number;
  /** The run's latency budget, ms, when it has one (read at each check: settings can change). */
  readonly latencyBudgetMs?: () => number | undefined;
  /**
   * Results of a deployment after which its measured latency is checked against the budget, once
   * per deployment (default 10; 0 = only when `checkLatencyBudget` is called, as the lab does).
   */
  readonly budgetCheckAfter?: number;
  /**
   * Carry what runs measured from one to the next (run-learning.ts): `key` names this run's model
   * and load, `label` how the page names it; `prior` is an earlier run's learning, which the first
   * plan uses when it fits (until the run has executions of its own).
   */
  readonly learning?: { readonly key: string; readonly label: string; readonly prior?: RunLearning };
}

/** What a latency budget check found (run-controller.ts `checkLatencyBudget`). */
export interface BudgetCheck {
  /**
   * `within`: the measured median met the budget; `replanned`: it did not and another placement is
   * predicted (with the calibration and the margin) to; `no-better`: it did not and no other
   * placement is predicted to; `skipped`: no budget, too few results, not running, or the re-plans
   * this check may make were used up.
   */
  readonly outcome: 'within' | 'replanned' | 'no-better' | 'skipped';
  readonly budgetMs?: number;
  /** Median latency of the deployment's results (its first 2 left out: kernels compiling), ms. */
  readonly measuredMs?: number;
  /** The calibrated prediction of the running placement, ms. */
  readonly predictedMs?: number;
  /** The budget the re-plan aimed at (budget x scale), ms. */
  readonly aimedMs?: number;
  /** One line for the page. */
  readonly reason: string;
}

/** Counters of a run. */
export interface RunStats {
  submitted: number;
  completed: number;
  /** Requests that ended in an error (not counting cancelled ones). */
  failed: number;
  /** Requests ended by a Stop. */
  cancelled: number;
  /** Sends beyond the first of a request. */
  resent: number;
  /** Results, frames or reports for abandoned attempts, unknown requests or from the wrong node. */
  droppedResults: number;
  /** Results and reports that arrived after their deployment was replaced (ignored, expected). */
  lateResults: number;
  replans: number;
  /** Drifts that would have re-planned but came within the cooldown after a deployment. */
  driftsHeld: number;
  /** Re-plans made because the run measured its latency over its budget (at most 2 a run). */
  budgetReplans: number;
  /** Slices served from nodes' caches / sent as bytes. */
  slicesFromCache: number;
  slicesSent: number;
}

/** Something a dashboard shows. */
export type RunEvent =
  | { readonly kind: 'deployed'; readonly runId: number; readonly placement: Placement; readonly deployMs: number; readonly note?: string }
  | { readonly kind: 'deploy-progress'; readonly progress: DeployProgress }
  | { readonly kind: 'replanning'; readonly reason: string }
  | { readonly kind: 'node-failed'; readonly nodeId: string; readonly name: string; readonly reason: string }
  | { readonly kind: 'paused'; readonly reason: string; readonly timeoutMs: number }
  | { readonly kind: 'drift'; readonly nodeId: string; readonly name: string; readonly from: number; readonly to: number }
  /** A latency budget check that found the run over its budget (re-planned or not). */
  | { readonly kind: 'budget'; readonly check: BudgetCheck }
  /** An audit found a node's outputs wrong (`quarantined` when this took it out of the run). */
  | { readonly kind: 'audit-mismatch'; readonly nodeId: string; readonly name: string; readonly reason: string; readonly quarantined: boolean }
  | { readonly kind: 'result'; readonly outcome: RequestOutcome }
  | { readonly kind: 'error'; readonly reason: string };

/** A run could not start or continue. */
export class RunError extends Error {
  override name = 'RunError';
}
