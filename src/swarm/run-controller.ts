/**
 * The coordinator's run plane: plan on the ready nodes, deploy slices, stream requests through the
 * pipelines with several in flight, collect results, and account every execution and hop in the
 * carbon ledger. When a node leaves or stalls it re-plans on the rest (fewer slices when no spare
 * is left) and re-sends what was in flight; when nothing can run it pauses until a node joins, for
 * at most `pauseTimeoutMs`. Every submitted request ends exactly once: a result, an error, or
 * cancelled by a Stop.
 *
 * Each send of a request gets a fresh random wire id, so frames or results of an abandoned attempt
 * can never complete a request twice, and a peer cannot guess the id of another node's request.
 * Reports about a request are accepted only from a node of the pipeline it was sent on.
 */
import { CarbonLedger } from '../carbon/ledger';
import { FrameAssembler } from '../protocol/frame-assembler';
import { ReceiverBudget } from '../protocol/receiver-budget';
import type { NodeId } from '../protocol/ids';
import type { RunNodeMessage } from '../protocol/run-messages';
import type { TensorData } from '../runtime/tensor';
import { sendChunks } from '../mesh/chunked-sender';
import { createShareRouter, type ShareRouter } from '../plan/share-router';
import type { Placement } from '../plan/plan-types';
import type { NodeRecord } from './coordinator';
import { Listeners } from '../util/listeners';
import { buildDeployment, type DeployedStage, type Deployment } from './deployment';
import { DeployError, StageDeployer } from './stage-deployer';
import { carbonOf, isPlannable, toPlanNode } from './plan-inputs';
import { Calibration } from '../cost/calibration';
import { ConcurrencyMeter } from '../cost/host-concurrency';
import { AuditBook, type AuditStats } from '../trust/audit';
import { toPlanModel } from '../graph/index';
import type { PlanModel } from '../plan/plan-model';
import { basePredictionMs, calibrationKey } from './calibration-feed';
import { SLICE_BYTES_REQUEST_ID, decodeTensorGroup, encodeTensorGroup, tensorBytes } from './tensor-group';
import { median } from '../cost/robust-stats';
import { benchmarkFingerprint, learnedContext, membersKey, type LearnedContext, type RunLearning } from './run-learning';
import { AUDIT_SLICE_PREFIX, RunError, type BudgetCheck, type PlanContext, type RequestOutcome, type RunControllerOptions, type RunEvent, type RunStats } from './run-types';

export type { BudgetCheck, PlanContext, RequestOutcome, RunControllerOptions, RunEvent, RunPlanResult, RunStats } from './run-types';
export { RunError } from './run-types';

interface Req {
  readonly id: number;
  readonly inputs: Record<string, TensorData>;
  readonly submittedMs: number;
  readonly resolve: (outcome: RequestOutcome) => void;
  state: 'queued' | 'inflight' | 'done';
  attempts: number;
  /** Times sent, whatever the reason for re-sending. */
  sends: number;
  wireId?: number;
  pipeline?: number;
  sentMs?: number;
  /** Chosen for audit at submission (src/trust/audit.ts). */
  audited?: boolean;
  /** Audited: outputs of the pipeline's earlier slices as their nodes sent them, by slice index (this send). */
  taps?: Map<number, Record<string, TensorData>>;
}

/**
 * Sends of the burst that fills a primed pipeline left out of the calibration: its window's worth,
 * none for a window of 1, at most {@link FILL_BURST_MAX} (with a window of 9 or more the whole of a
 * 10-inference warm-up would be left out; the bias measured was in the burst's first sends: 1.39x,
 * then 1.11x and 1.09x the run's median wall).
 */
export const fillBurst = (window: number): number => (window > 1 ? Math.min(window, FILL_BURST_MAX) : 0);
/** Most sends of a fill burst left out of the calibration. */
export const FILL_BURST_MAX = 3;

/** A drift re-plans only when another placement is predicted this much faster (with the calibration). */
const DRIFT_REPLAN_MARGIN = 0.1;

/** Re-plans a run may make for its latency budget (docs/decisions.md, "Latency budgets that hold"). */
const MAX_BUDGET_REPLANS = 2;
/** Room left below the budget beyond the error the run measured (a re-plan aims at budget x scale). */
const BUDGET_SAFETY = 0.03;
/** Results of a deployment left out of its measured latency: the first runs compile kernels. */
const BUDGET_SKIP_FIRST = 2;
/** Results of a pipeline (after the first {@link BUDGET_SKIP_FIRST}) before its hops are judged. */
const HOP_MIN_RESULTS = 5;
/** A pipeline's hops judged only when the plan gave them this long at least, ms (a ratio of tiny times is noise). */
const HOP_MIN_PLANNED_MS = 2;
/** Requests whose time outside the slices is still being put together, at most (older ones are dropped). */
const MAX_OPEN_PARTS = 1024;
/** Bounds of the hop scale: beyond them the residual is not hops (a stall, a paused tab). */
const HOP_SCALE_BOUNDS = [0.25, 4] as const;

/** Which slices run where, for telling two placements apart. */
function signature(placement: Placement): string {
  return placement.pipelines.map((p) => p.slices.map((s) => `${s.nodeId}[${s.sliceRange[0]},${s.sliceRange[1]})@${s.backend}`).join('>')).join(';');
}

/** Deployments kept to book late reports of replaced ones (energy spent still counts). */
const PAST_DEPLOYMENTS_KEPT = 16;

/** A random 32-bit wire id, never the slice-bytes id. */
function randomWireId(): number {
  const word = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(word);
    if (word[0]! !== SLICE_BYTES_REQUEST_ID && word[0]! !== 0) return word[0]!;
  }
}

/** Runs one model on the swarm. */
export class RunController {
  readonly ledger: CarbonLedger;
  readonly stats: RunStats = {
    submitted: 0, completed: 0, failed: 0, cancelled: 0, resent: 0, droppedResults: 0, lateResults: 0, replans: 0, driftsHeld: 0, budgetReplans: 0, slicesFromCache: 0, slicesSent: 0,
  };
  /** Nodes that failed this run (deployment or execution), with the reason: the table marks them. */
  readonly failedNodes = new Map<string, string>();
  /** Predicted vs measured per slice, node and link, fed by every execution (src/cost/calibration.ts). */
  readonly calibration = new Calibration();
  /** The run's audits (src/trust/audit.ts), when on. */
  private readonly audits: AuditBook | undefined;
  private auditing: Promise<void> = Promise.resolve();
  /** `holds`: times new sends were held back because the referee was behind. */
  private readonly auditCounts = { incomplete: 0, errors: 0, refereeMs: 0, holds: 0 };
  private auditHolding = false;
  /** Audited results waiting for the referee. */
  private auditBacklog = 0;
  /** Executions running at once while saturated, per host (src/cost/host-concurrency.ts). */
  readonly concurrency = new ConcurrencyMeter();
  private readonly planModel: PlanModel;
  private readonly events = new Listeners<[RunEvent]>();
  private readonly requests = new Map<number, Req>();
  private readonly wire = new Map<number, number>();
  private readonly queue: number[] = [];
  private readonly assemblers = new Map<NodeId, FrameAssembler>();
  /** One budget for the result frames of every node (issue 13: one budget per receiver, not per link). */
  readonly receiverBudget = new ReceiverBudget();
  private readonly deployer: StageDeployer;
  private readonly offs: (() => void)[] = [];
  private readonly pastDeployments = new Map<number, Deployment>();
  private deployment: Deployment | undefined;
  private deploying: Deployment | undefined;
  private placementValue: Placement | undefined;
  private router: ShareRouter | undefined;
  private inflight: number[] = [];
  /**
   * Per pipeline of the current deployment: whether one of its requests has ended. Until then it
   * takes one request at a time: a slice's first run on a node is left out of the calibration (a
   * fresh session may compile kernels), and requests sent with it would reach every stage in one
   * burst behind it. Measured on the swarm bench, a calibration sampled from such a start was
   * further from the run (docs/decisions.md, "The first request goes alone").
   */
  private primed: boolean[] = [];
  /**
   * Per pipeline of the current deployment: sends left of the burst that fills it once it is primed
   * ({@link fillBurst}: the window's worth of requests sent at once, at most 3, none with a window of
   * 1). Their executions are left out of the calibration: on the swarm bench (3 slices on 3 pages of
   * one 2-core machine, 3 in flight) the first of them ran 1.39x the run's median wall on every
   * slice (docs/decisions.md, "The calibration leaves out the burst that fills a pipeline").
   */
  private fillLeft: number[] = [];
  /** Wire ids of the sends of the current deployment's fill bursts. */
  private readonly fillSends = new Set<number>();
  private phaseValue: 'idle' | 'deploying' | 'paused' | 'running' | 'stopped' = 'idle';
  private deployedOnce = false;
  /** Latencies of the current deployment's results, in order (for the budget check). */
  private deploymentLatencies: number[] = [];
  /**
   * Per pipeline of the current deployment, each result's time outside its slices: latency - the
   * sum of its executions' queued + wall ms (for the hop scale), in the order they completed.
   */
  private pipelineOutside: number[][] = [];
  /** What is known of each request sent to the current deployment, by wire id, until its outside time is known. */
  private parts = new Map<number, { readonly pipeline: number; readonly stages: number; insideMs: number; reported: number; latencyMs?: number }>();
  /** Measured hop time / planned hop time (see {@link hopScale}); undefined until measured. */
  private hopScaleValue: number | undefined;
  /** Node ids of each shared host a plan asked the concurrency of (by {@link membersKey}), for {@link learning}. */
  private readonly hostsAsked = new Map<string, readonly string[]>();
  /**
   * Which earlier run the first plan took its figures from (run-learning.ts), or why it took none
   * (`reason`); undefined before the first plan or without `learning.prior`.
   */
  firstPlanFrom: { readonly from: string } | { readonly reason: string } | undefined;
  private budgetChecked = false;
  /** Share of the budget re-plans aim at (lowered by each budget check that re-planned). */
  private budgetScale = 1;
  private nextRequestId = 1;
  private replanning: Promise<void> | undefined;
  private sweep: ReturnType<typeof setInterval> | undefined;
  private wakePaused: (() => void) | undefined;
  private stopReason: string | undefined;
  /** When the deployment in force started running (performance.now()). */
  private deployedAtMs = 0;

  constructor(private readonly options: RunControllerOptions) {
    this.ledger = options.ledger ?? new CarbonLedger();
    this.audits = options.audit
      ? new AuditBook({
          rate: options.audit.rate ?? 0.05,
          ...(options.audit.quarantineAfter !== undefined ? { quarantineAfter: options.audit.quarantineAfter } : {}),
          ...(options.audit.random ? { random: options.audit.random } : {}),
        })
      : undefined;
    this.planModel = toPlanModel(options.profile);
    this.deployer = new StageDeployer(
      options.coordinator,
      this.stats,
      (runId, sliceIndex) => this.stageOf(runId, sliceIndex)?.stage,
      (progress) => this.emit({ kind: 'deploy-progress', progress }),
      options.deployTimings,
    );
  }

  /** Where the run is: planning/deploying, paused (nothing can run), running, or stopped. */
  get phase(): 'idle' | 'deploying' | 'paused' | 'running' | 'stopped' {
    return this.phaseValue;
  }

  /** The placement in force. */
  get placement(): Placement | undefined {
    return this.placementValue;
  }

  /** The deployment in force. */
  get currentDeployment(): Deployment | undefined {
    return this.deployment;
  }

  /** Subscribe to run events. */
  onEvent(fn: (event: RunEvent) => void): () => void {
    return this.events.add(fn);
  }

  /**
   * Plan and deploy on the ready nodes. Rejects with RunError when no placement works at the start;
   * resolves without deploying when stopped meanwhile. Idempotent once started.
   */
  async start(): Promise<void> {
    if (this.phaseValue !== 'idle') return this.replanning;
    const { coordinator } = this.options;
    this.offs.push(
      coordinator.onRunMessage((nodeId, message) => this.onRunMessage(nodeId, message)),
      coordinator.onBinary((nodeId, data) => this.onBinary(nodeId, data)),
      coordinator.onChange(() => this.checkNodes()),
    );
    this.sweep = setInterval(() => this.checkTimeouts(), 500);
    this.replanning = this.deploy();
    try {
      await this.replanning;
    } catch (error) {
      this.stop(`could not start: ${(error as Error).message}`, false);
      throw error;
    }
  }

  /** Submit one inference; resolves exactly once. */
  submit(inputs: Record<string, TensorData>): Promise<RequestOutcome> {
    const id = this.nextRequestId++;
    this.stats.submitted++;
    return new Promise<RequestOutcome>((resolve) => {
      if (this.phaseValue === 'stopped') {
        const cancelled = this.stopCancelled;
        if (cancelled) this.stats.cancelled++;
        else this.stats.failed++;
        const outcome: RequestOutcome = { ok: false, requestId: id, reason: this.stopReason ?? 'the run is stopped', attempts: 0, ...(cancelled ? { cancelled } : {}) };
        resolve(outcome);
        this.emit({ kind: 'result', outcome });
        return;
      }
      const audited = this.audits?.shouldAudit() ?? false;
      this.requests.set(id, { id, inputs, submittedMs: performance.now(), resolve, state: 'queued', attempts: 0, sends: 0, ...(audited ? { audited } : {}) });
      this.queue.push(id);
      this.pump();
    });
  }

  private stopCancelled = false;

  /**
   * Stop: end everything pending with `reason` (as cancelled when `cancelled`, the default: a user's
   * Stop or a new run; as failed otherwise), undeploy on every node. Works in any phase. Idempotent.
   */
  stop(reason = 'stopped by the user', cancelled = true): void {
    if (this.isStopped()) return;
    this.phaseValue = 'stopped';
    this.stopReason = reason;
    this.stopCancelled = cancelled;
    if (this.sweep) clearInterval(this.sweep);
    for (const off of this.offs) off();
    for (const assembler of this.assemblers.values()) assembler.close();
    this.assemblers.clear();
    this.wakePaused?.();
    for (const req of this.requests.values()) {
      if (req.state !== 'done') this.finish(req, { ok: false, requestId: req.id, reason, attempts: req.attempts, ...(cancelled ? { cancelled: true } : {}) });
    }
    this.deployer.rejectAll(reason);
    for (const node of this.options.coordinator.nodes()) this.options.coordinator.send(node.nodeId, { kind: 'undeploy', keepRunId: null });
  }

  /** A method, so that TypeScript does not narrow the phase across awaits. */
  private isStopped(): boolean {
    return this.phaseValue === 'stopped';
  }

  private emit(event: RunEvent): void {
    this.events.emit(event);
  }

  private nameOf(nodeId: string): string {
    return this.options.coordinator.nodes().find((n) => n.nodeId === nodeId)?.name ?? nodeId;
  }

  private finish(req: Req, outcome: RequestOutcome): void {
    if (req.state === 'done') return;
    if (req.state === 'inflight' && req.pipeline !== undefined) {
      this.inflight[req.pipeline]!--;
      this.primed[req.pipeline] = true;
    }
    req.state = 'done';
    this.requests.delete(req.id);
    if (outcome.ok) this.stats.completed++;
    else if (outcome.cancelled) this.stats.cancelled++;
    else this.stats.failed++;
    req.resolve(outcome);
    this.emit({ kind: 'result', outcome });
    if (req.wireId !== undefined) {
      const part = this.parts.get(req.wireId);
      if (part && outcome.ok) {
        part.latencyMs = outcome.latencyMs;
        this.noteOutside(req.wireId);
      } else this.parts.delete(req.wireId);
    }
    if (outcome.ok) this.afterResult(outcome.latencyMs);
  }

  /** Once a request's result and every execution of it are in: its time outside the slices. */
  private noteOutside(wireId: number): void {
    const part = this.parts.get(wireId);
    if (!part || part.latencyMs === undefined || part.reported < part.stages) return;
    this.parts.delete(wireId);
    if (Number.isFinite(part.insideMs)) (this.pipelineOutside[part.pipeline] ??= []).push(Math.max(0, part.latencyMs - part.insideMs));
  }

  /** Keep the deployment's latencies; at `budgetCheckAfter` results, check the budget once. */
  private afterResult(latencyMs: number): void {
    this.deploymentLatencies.push(latencyMs);
    const after = this.options.budgetCheckAfter ?? 10;
    if (after > 0 && !this.budgetChecked && this.deploymentLatencies.length >= Math.max(after, BUDGET_SKIP_FIRST + 3) && this.options.latencyBudgetMs?.() !== undefined) {
      // After the result is delivered and the pipeline refilled: a re-plan re-sends what is in flight.
      // With nothing left to run, a re-plan would only redeploy for nobody.
      queueMicrotask(() => {
        if (this.requests.size > 0) this.checkLatencyBudget();
      });
    }
  }

  /**
   * Whether the running deployment keeps the run's latency budget, as measured: the median latency
   * of its results (the first {@link BUDGET_SKIP_FIRST} left out). Over the budget, the run
   * re-plans with the calibration and aims lower by what the calibrated prediction of the running
   * placement left unexplained (measured - predicted: hops, assembly, queueing), and by
   * {@link BUDGET_SAFETY} of the budget, when that gives another placement; at most {@link MAX_BUDGET_REPLANS} times a run, once per deployment. The page shows
   * the reason; the lab calls this after its warm-up (docs/decisions.md, "Latency budgets that hold").
   */
  checkLatencyBudget(): BudgetCheck {
    const budgetMs = this.options.latencyBudgetMs?.();
    const current = this.placementValue;
    const samples = this.deploymentLatencies.slice(BUDGET_SKIP_FIRST);
    if (budgetMs === undefined) return { outcome: 'skipped', reason: 'no latency budget' };
    if (this.phaseValue !== 'running' || !current) return { outcome: 'skipped', budgetMs, reason: 'not running' };
    if (this.budgetChecked) return { outcome: 'skipped', budgetMs, reason: 'this deployment was checked already' };
    if (samples.length < 3) return { outcome: 'skipped', budgetMs, reason: `${samples.length} result(s) measured, 3 needed` };
    this.budgetChecked = true;
    this.hopScale();
    const measuredMs = median(samples);
    const predictedMs = this.calibratedLatencyMs(current, this.usableNodes());
    const base = { budgetMs, measuredMs, ...(Number.isFinite(predictedMs) ? { predictedMs } : {}) };
    const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
    if (measuredMs <= budgetMs) return { outcome: 'within', ...base, reason: `measured ${fmt(measuredMs)} per inference, within the ${fmt(budgetMs)} budget` };
    if (this.stats.budgetReplans >= MAX_BUDGET_REPLANS) {
      return this.budgetEvent({ outcome: 'skipped', ...base, reason: `measured ${fmt(measuredMs)} per inference, over the ${fmt(budgetMs)} budget; ${MAX_BUDGET_REPLANS} budget re-plans made already` });
    }
    // What the calibrated prediction did not explain (hops, the input's assembly, queueing) is
    // taken to stay with the next placement too: it aims that much lower, and a little more.
    const unexplainedMs = Number.isFinite(predictedMs) ? Math.max(0, measuredMs - predictedMs) : 0;
    const scale = Math.min(this.budgetScale, 1 - BUDGET_SAFETY - unexplainedMs / budgetMs);
    const aimedMs = budgetMs * scale;
    if (!(scale > 0)) {
      return this.budgetEvent({ outcome: 'no-better', ...base, reason: `measured ${fmt(measuredMs)} per inference, over the ${fmt(budgetMs)} budget; ${fmt(unexplainedMs)} of it is beyond what the slices take, so no placement can be predicted within it` });
    }
    const candidate = this.options.planNodes(this.usableNodes(), { ...this.planContext(true), latencyBudgetScale: scale });
    if (!candidate.ok || signature(candidate.placement) === signature(current)) {
      return this.budgetEvent({
        outcome: 'no-better', ...base, aimedMs,
        reason: `measured ${fmt(measuredMs)} per inference, over the ${fmt(budgetMs)} budget; no other placement is predicted within ${fmt(aimedMs)}${candidate.ok ? '' : ` (${candidate.reason})`}`,
      });
    }
    this.budgetScale = scale;
    this.stats.budgetReplans++;
    const check: BudgetCheck = {
      outcome: 'replanned', ...base, aimedMs,
      reason: `measured ${fmt(measuredMs)} per inference, over the ${fmt(budgetMs)} budget${Number.isFinite(predictedMs) ? ` (predicted ${fmt(predictedMs)})` : ''}: re-planning within ${fmt(aimedMs)}`,
    };
    this.budgetEvent(check);
    this.replan(check.reason);
    return check;
  }

  private budgetEvent(check: BudgetCheck): BudgetCheck {
    this.emit({ kind: 'budget', check });
    return check;
  }

  private usableNodes() {
    return this.options.coordinator.nodes().filter((n) => isPlannable(n) && !this.deployer.excluded.has(n.nodeId) && !this.audits?.isQuarantined(n.nodeId));
  }

  /** Plan on the usable nodes, build and deploy the slices, then resume sending. */
  private async deploy(): Promise<void> {
    let failures = 0;
    for (;;) {
      if (this.isStopped()) return;
      this.phaseValue = 'deploying';
      const nodes = this.usableNodes();
      const result = nodes.length === 0
        ? { ok: false as const, reason: 'no ready node with a benchmark to run on', binding: 'input' as const }
        : this.options.planNodes(nodes, this.planContext(this.deployedOnce));
      if (!result.ok) {
        if (!this.deployedOnce) throw new RunError(nodes.length === 0 ? result.reason : `no placement: ${result.reason}`);
        await this.pause(nodes.length === 0 ? `no node left to run on` : `no placement on the nodes left: ${result.reason}`);
        continue;
      }
      const runId = this.options.coordinator.allocateRunId();
      const t0 = performance.now();
      const deployment = await buildDeployment(runId, this.options.profile, result.placement);
      if (this.isStopped()) return;
      this.deploying = deployment;
      try {
        await this.deployer.deployStages(deployment, this.options.deployTimeoutMs ?? 120_000);
      } catch (error) {
        this.deploying = undefined;
        if (this.isStopped()) return;
        const failedNode = error instanceof DeployError ? error.nodeId : undefined;
        const retry = error instanceof DeployError && error.retry;
        if (failedNode && !retry) this.markFailed(failedNode, (error as Error).message);
        if (failures++ >= (this.options.maxReplans ?? 8)) throw error;
        this.stats.replans++;
        this.emit({ kind: 'replanning', reason: retry ? `trying again: ${(error as Error).message}` : (error as Error).message });
        continue;
      }
      if (this.isStopped()) return;
      this.deploying = undefined;
      if (this.deployment) this.remember(this.deployment);
      this.deployment = deployment;
      this.deployedOnce = true;
      this.placementValue = result.placement;
      this.router = createShareRouter(deployment.pipelines.map((p) => p.share));
      this.inflight = deployment.pipelines.map(() => 0);
      this.primed = deployment.pipelines.map(() => false);
      this.fillLeft = deployment.pipelines.map(() => fillBurst(this.options.window ?? 2));
      this.fillSends.clear();
      this.phaseValue = 'running';
      this.deployedAtMs = performance.now();
      this.deploymentLatencies = [];
      this.pipelineOutside = [];
      this.parts.clear();
      this.budgetChecked = false;
      this.emit({ kind: 'deployed', runId, placement: result.placement, deployMs: performance.now() - t0, ...(result.note ? { note: result.note } : {}) });
      this.pump();
      return;
    }
  }

  private remember(deployment: Deployment): void {
    this.pastDeployments.set(deployment.runId, deployment);
    while (this.pastDeployments.size > PAST_DEPLOYMENTS_KEPT) this.pastDeployments.delete(this.pastDeployments.keys().next().value!);
  }

  private markFailed(nodeId: string, reason: string): void {
    this.failedNodes.set(nodeId, reason);
    this.emit({ kind: 'node-failed', nodeId, name: this.nameOf(nodeId), reason });
  }

  /** Wait until the usable nodes change (a node joins or becomes ready), the run stops, or the pause times out. */
  private async pause(reason: string): Promise<void> {
    const timeoutMs = this.options.pauseTimeoutMs ?? 120_000;
    this.phaseValue = 'paused';
    this.emit({ kind: 'paused', reason, timeoutMs });
    const before = this.usableNodes().map((n) => n.nodeId).sort().join(',');
    const outcome = await new Promise<'changed' | 'stopped' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      const off = this.options.coordinator.onChange(() => {
        const now = this.usableNodes().map((n) => n.nodeId).sort().join(',');
        if (now !== before && now !== '') done('changed');
      });
      const done = (why: 'changed' | 'stopped' | 'timeout') => {
        clearTimeout(timer);
        off();
        this.wakePaused = undefined;
        resolve(why);
      };
      this.wakePaused = () => done('stopped');
    });
    if (outcome === 'timeout') throw new RunError(`paused for ${Math.round(timeoutMs / 1000)} s and no node could take the work (${reason})`);
  }

  private stageOf(runId: number, sliceIndex: number): { stage: DeployedStage; pipeline: number; position: number } | undefined {
    const deployment = this.deployment?.runId === runId ? this.deployment
      : this.deploying?.runId === runId ? this.deploying
        : this.pastDeployments.get(runId);
    if (!deployment) return undefined;
    for (const [p, pipeline] of deployment.pipelines.entries()) {
      const position = pipeline.stages.findIndex((s) => s.sliceIndex === sliceIndex);
      if (position >= 0) return { stage: pipeline.stages[position]!, pipeline: p, position };
    }
    return undefined;
  }

  /** A report about a run this coordinator replaced or another of its runs: expected, ignored. */
  private isLate(runId: number): boolean {
    return runId !== this.deployment?.runId && runId !== this.deploying?.runId && this.options.coordinator.issuedRunId(runId);
  }

  private onRunMessage(nodeId: NodeId, message: RunNodeMessage): void {
    switch (message.kind) {
      case 'profile':
        return;
      case 'slice-request':
      case 'deployed':
      case 'deploy-failed':
        if (this.isLate(message.runId) && !this.pastDeployments.has(message.runId)) {
          this.stats.lateResults++;
          return;
        }
        this.deployer.onDeployMessage(nodeId, message);
        return;
      case 'executed':
        this.onExecuted(nodeId, message);
        return;
      case 'request-failed':
        this.onRequestFailed(nodeId, message);
        return;
      default: {
        const unhandled: never = message;
        void unhandled;
      }
    }
  }

  private onRequestFailed(nodeId: NodeId, message: Extract<RunNodeMessage, { kind: 'request-failed' }>): void {
    const req = this.requestForWire(message.requestId);
    if (!req || req.wireId !== message.requestId || req.state !== 'inflight' || message.runId !== this.deployment?.runId) {
      if (this.isLate(message.runId)) this.stats.lateResults++;
      else this.stats.droppedResults++;
      return;
    }
    // Only a node of the pipeline the request was sent on may fail it.
    const found = this.stageOf(message.runId, message.sliceIndex);
    if (!found || found.stage.nodeId !== nodeId || found.pipeline !== req.pipeline) {
      this.options.coordinator.countDrop(`${this.nameOf(nodeId)} reported a failure of a request it was not given`);
      return;
    }
    this.retry(req, `slice ${message.sliceIndex + 1} on ${this.nameOf(nodeId)} failed: ${message.reason}`, true);
  }

  private requestForWire(wireId: number): Req | undefined {
    const id = this.wire.get(wireId);
    return id === undefined ? undefined : this.requests.get(id);
  }

  private onExecuted(nodeId: NodeId, message: Extract<RunNodeMessage, { kind: 'executed' }>): void {
    const logical = this.wire.get(message.requestId);
    const found = this.stageOf(message.runId, message.sliceIndex);
    if (logical === undefined || !found || found.stage.nodeId !== nodeId) {
      if (this.isLate(message.runId) && !found) this.stats.lateResults++;
      else this.options.coordinator.countDrop(`executed report from ${this.nameOf(nodeId)} for a request it was not given`);
      return;
    }
    const record = this.options.coordinator.nodes().find((n) => n.nodeId === nodeId);
    if (!record) return;
    const { intensity, power } = carbonOf(record);
    const inferenceId = `r${logical}`;
    // Energy actually spent counts, also for attempts that were later abandoned.
    const wallMs = Math.max(message.wallMs, message.busyMs);
    this.ledger.recordExecution({ inferenceId, nodeId, sliceId: `slice${message.sliceIndex}`, busyMs: message.busyMs, wallMs, power, intensity });
    const deployment = this.deployment?.runId === message.runId ? this.deployment : this.pastDeployments.get(message.runId) ?? this.deploying;
    const next = deployment?.pipelines[found.pipeline]?.stages[found.position + 1]?.nodeId ?? 'coordinator';
    this.ledger.recordHop({ inferenceId, fromNodeId: nodeId, toNodeId: next, bytes: message.outputBytes, intensity });
    // A slice's first execution on a node (kernels compiling) is left out of both; the burst that
    // fills a primed pipeline only out of the calibration.
    const fed = this.calibrate(record, found.stage, message.busyMs, wallMs, !this.fillSends.has(message.requestId));
    if (fed) this.concurrency.record(nodeId, performance.now(), wallMs, () => this.calibration.predictMs(record.nodeId, fed.sliceKey, found.stage.backend, fed.base).ms);
    const part = message.runId === this.deployment?.runId ? this.parts.get(message.requestId) : undefined;
    if (part) {
      // A node that does not say how long the input waited: only a run of one at a time can do without.
      const queuedMs = message.queuedMs ?? ((this.options.window ?? 2) === 1 ? 0 : NaN);
      part.insideMs += queuedMs + wallMs;
      part.reported++;
      this.noteOutside(message.requestId);
    }
  }

  /**
   * What plans of this run are made with: the calibration, the concurrency shared hosts reached and
   * the hop scale; until the run fed its calibration, an earlier run's (`learning.prior`, when it
   * fits: run-learning.ts) as a whole.
   */
  planContext(replan: boolean): PlanContext {
    const learned = this.learned();
    const hopScale = learned ? learned.hopScale : this.hopScale();
    const measured = (nodeIds: readonly string[]) => {
      this.hostsAsked.set(membersKey(nodeIds), [...nodeIds]);
      return learned ? learned.hostConcurrency?.(nodeIds) : this.concurrency.effectiveCores(new Set(nodeIds), performance.now());
    };
    return {
      replan,
      calibration: learned?.calibration ?? this.calibration,
      hostConcurrency: measured,
      ...(this.budgetScale < 1 ? { latencyBudgetScale: this.budgetScale } : {}),
      ...(hopScale !== undefined ? { hopScale } : {}),
    };
  }

  /** The earlier run's figures while this run has fed nothing to its calibration, when they fit. */
  private learned(): LearnedContext | undefined {
    const o = this.options.learning;
    if (!o?.prior || this.calibration.rows().length > 0) return undefined;
    const found = learnedContext(o.prior, o.key, this.options.coordinator.nodes());
    this.firstPlanFrom ??= 'context' in found ? { from: found.context.from } : { reason: found.reason };
    return 'context' in found ? found.context : undefined;
  }

  /**
   * What this run measured, for the next run's first plan (run-learning.ts), or undefined without
   * `learning` or before any execution was fed to the calibration. Shared hosts' cores are those
   * its plans asked about, as measured when this is called (the last saturated period).
   */
  learning(): RunLearning | undefined {
    const o = this.options.learning;
    const rows = this.calibration.rows();
    if (!o || rows.length === 0) return undefined;
    const now = performance.now();
    const hostCores = new Map<string, number>();
    for (const [key, ids] of this.hostsAsked) {
      const cores = this.concurrency.effectiveCores(new Set(ids), now);
      if (cores !== undefined) hostCores.set(key, cores);
    }
    const nodes = this.options.coordinator.nodes();
    const benchmarks = new Map<string, string>();
    for (const row of rows) {
      const benchmark = nodes.find((n) => n.nodeId === row.nodeId)?.benchmark;
      if (benchmark) benchmarks.set(row.nodeId, benchmarkFingerprint(benchmark));
    }
    return {
      key: o.key, label: o.label, calibration: this.calibration, hostCores, benchmarks,
      ...(this.hopScaleValue !== undefined ? { hopScale: this.hopScaleValue } : {}),
      ...(this.placementValue ? { placement: this.placementValue } : {}),
    };
  }

  /**
   * Whether what the run measured makes a different placement better by more than
   * {@link DRIFT_REPLAN_MARGIN} in predicted latency (both judged with the calibration): a re-plan
   * that would deploy the same slices, or gain little, is not worth a redeployment.
   */
  private driftChangesPlan(): boolean {
    const current = this.placementValue;
    if (this.phaseValue !== 'running' || !current) return false;
    if (performance.now() - this.deployedAtMs < (this.options.driftCooldownMs ?? 20_000)) {
      this.stats.driftsHeld++;
      return false;
    }
    const nodes = this.usableNodes();
    const candidate = this.options.planNodes(nodes, this.planContext(true));
    if (!candidate.ok || signature(candidate.placement) === signature(current)) return false;
    return this.calibratedLatencyMs(candidate.placement, nodes) < this.calibratedLatencyMs(current, nodes) * (1 - DRIFT_REPLAN_MARGIN);
  }

  /**
   * How long this run's hops take against what its plan said: for each pipeline of the running
   * deployment with {@link HOP_MIN_RESULTS} results, the median time its later results (the later
   * half, at least {@link HOP_MIN_RESULTS}: a fresh pipeline's links start slower) spent outside
   * their slices (latency - each execution's queued and wall ms as its node reported them: moving
   * tensors, assembling frames, the pages' main threads) over the planned hop ms; the median over
   * pipelines, bounded by {@link HOP_SCALE_BOUNDS}. Measured at any number of requests in flight
   * (a node's queue is in its report, not in the hops). Kept from the last deployment that
   * measured it. The issue asked for per-link figures from hop timings: a result's latency only
   * tells the sum over its hops, so one scale for the run's links is what it can measure.
   */
  hopScale(): number | undefined {
    const placement = this.placementValue;
    if (placement && this.phaseValue === 'running') {
      const ratios = placement.pipelines.flatMap((pipeline, k) => {
        const outside = (this.pipelineOutside[k] ?? []).slice(BUDGET_SKIP_FIRST);
        const plannedMs = pipeline.hops.reduce((a, h) => a + h.transferMs, 0);
        if (outside.length < HOP_MIN_RESULTS || plannedMs < HOP_MIN_PLANNED_MS) return [];
        return [median(outside.slice(-Math.max(HOP_MIN_RESULTS, Math.ceil(outside.length / 2)))) / plannedMs];
      });
      if (ratios.length) this.hopScaleValue = Math.min(HOP_SCALE_BOUNDS[1], Math.max(HOP_SCALE_BOUNDS[0], median(ratios)));
    }
    return this.hopScaleValue;
  }

  /**
   * Latency of a placement with each slice predicted by the calibration and each hop as planned x
   * `hopScale` (default: the run's, {@link hopScale}); Infinity when a node is not among `nodes`.
   */
  private calibratedLatencyMs(placement: Placement, nodes: readonly NodeRecord[], hopScale = this.hopScaleValue ?? 1): number {
    let total = 0;
    for (const pipeline of placement.pipelines) {
      let ms = pipeline.hops.reduce((a, h) => a + h.transferMs, 0) * hopScale;
      for (const slice of pipeline.slices) {
        const record = nodes.find((n) => n.nodeId === slice.nodeId);
        if (!record) return Infinity;
        const base = basePredictionMs(toPlanNode(record), slice.backend, this.planModel, slice.sliceRange);
        ms += this.calibration.predictMs(slice.nodeId, calibrationKey(slice.nodeId, slice.backend, slice.sliceRange), slice.backend, base > 0 ? base : 1).ms;
      }
      total += ms * pipeline.share;
    }
    return total;
  }

  /** Deployed slices that ran once already: a fresh session's first run compiles its kernels. */
  private readonly warmSlices = new Set<string>();

  /**
   * Feed one execution to the calibration (a lasting change of a node's speed re-plans once): the
   * slice's key and uncalibrated prediction, or undefined for an execution it leaves out (a
   * slice's first on a node). With `feed` false (a send of the burst that fills a pipeline) the key
   * and prediction only: the execution is not fed.
   */
  private calibrate(record: NodeRecord, stage: DeployedStage, busyMs: number, wallMs: number, feed: boolean): { readonly sliceKey: string; readonly base: number } | undefined {
    const warmKey = `${record.nodeId}|${stage.slice.sha256}|${stage.backend}`;
    if (!this.warmSlices.has(warmKey)) {
      this.warmSlices.add(warmKey);
      return undefined;
    }
    const base = basePredictionMs(toPlanNode(record), stage.backend, this.planModel, stage.range);
    if (!(base > 0) || !(wallMs > 0)) return undefined;
    const sliceKey = calibrationKey(record.nodeId, stage.backend, stage.range);
    if (!feed) return { sliceKey, base };
    const events = this.calibration.recordExecution({ nodeId: record.nodeId, sliceKey, backend: stage.backend, basePredictedMs: base, busyMs, wallMs });
    for (const event of events) {
      if (event.kind !== 'node-drift') continue;
      // Predictions follow the change quietly; the page hears of it when it changes the plan.
      if ((this.options.replanOnDrift ?? true) && this.driftChangesPlan()) {
        this.emit({ kind: 'drift', nodeId: event.nodeId, name: record.name, from: event.drift.from, to: event.drift.to });
        this.replan(`${record.name} now runs at ${event.drift.to.toFixed(2)}x its predicted time (was ${event.drift.from.toFixed(2)}x)`);
      }
    }
    return { sliceKey, base };
  }

  private onBinary(nodeId: NodeId, data: ArrayBuffer): void {
    let assembler = this.assemblers.get(nodeId);
    if (!assembler) this.assemblers.set(nodeId, (assembler = this.resultAssembler()));
    const result = assembler.push(data);
    if (result.kind === 'rejected') {
      if (result.error.reason === 'unknown-request' && this.refusedLate) this.stats.lateResults++;
      else this.options.coordinator.countDrop(`bad frame from ${this.nameOf(nodeId)}: ${result.error.message}`);
      this.refusedLate = false;
      return;
    }
    if (result.kind !== 'frame' || !result.group) return;
    const group = result.group;
    if (group.runId !== this.deployment?.runId && this.isLate(group.runId)) {
      this.stats.lateResults++;
      return;
    }
    const req = this.requestForWire(group.requestId);
    const found = this.stageOf(group.runId, group.sliceIndex);
    const pipeline = found ? this.deployment?.pipelines[found.pipeline] : undefined;
    const isLast = found && pipeline && found.position === pipeline.stages.length - 1 && found.stage.nodeId === nodeId;
    const current = req && req.state === 'inflight' && req.wireId === group.requestId && group.runId === this.deployment?.runId && found?.pipeline === req.pipeline;
    if (current && found && !isLast && req.audited && found.stage.nodeId === nodeId && req.taps && !req.taps.has(group.sliceIndex)) {
      req.taps.set(group.sliceIndex, decodeTensorGroup(group.frames));
      return;
    }
    if (!req || !isLast || !current) {
      this.stats.droppedResults++;
      return;
    }
    const now = performance.now();
    const outputs = decodeTensorGroup(group.frames);
    const hosts = pipeline.stages.map((s) => s.nodeId);
    this.audits?.recordResult(`r${req.id}`, hosts);
    const suspect = hosts.some((h) => this.audits?.isQuarantined(h));
    if (req.audited) this.audit(req.id, req.inputs, pipeline.stages, req.taps ?? new Map(), outputs);
    this.finish(req, {
      ok: true,
      requestId: req.id,
      outputs,
      latencyMs: now - (req.sentMs ?? now),
      totalMs: now - req.submittedMs,
      attempts: req.attempts,
      pipeline: req.pipeline ?? 0,
      ...(suspect ? { suspect: true as const } : {}),
    });
    this.pump();
  }

  /**
   * Check an audited request, slice by slice, on the referee (one at a time, after the result was
   * delivered): each slice's outputs as its node sent them against the referee's run of the slice on
   * the input that node received (the previous slice's outputs as sent). A mismatch is a strike for
   * the node; at `quarantineAfter` strikes it is quarantined: planned around from now on (the run
   * re-plans when it hosts a slice), and its earlier results in the run are suspect.
   */
  private audit(requestId: number, inputs: Record<string, TensorData>, stages: readonly DeployedStage[], taps: ReadonlyMap<number, Record<string, TensorData>>, final: Record<string, TensorData>): void {
    const audit = this.options.audit;
    const book = this.audits;
    if (!audit || !book) return;
    this.auditBacklog++;
    this.auditing = this.auditing.then(async () => {
      let input = inputs;
      for (const [position, stage] of stages.entries()) {
        if (this.isStopped()) return;
        const claimed = position === stages.length - 1 ? final : taps.get(stage.sliceIndex);
        if (!claimed) {
          this.auditCounts.incomplete++;
          return;
        }
        const feeds = Object.fromEntries(stage.slice.inputs.filter((n) => n in input).map((n) => [n, input[n]!]));
        const t0 = performance.now();
        const reference = await audit.referee({ sha256: stage.slice.sha256, model: stage.slice.model, backend: 'wasm' }, feeds);
        this.auditCounts.refereeMs += performance.now() - t0;
        if (audit.refereeHost && reference.busyMs > 0) {
          // Audit work is energy too: charged to the audited inference, on the coordinator's machine.
          try {
            this.ledger.recordExecution({
              inferenceId: `r${requestId}`, nodeId: 'coordinator', sliceId: `${AUDIT_SLICE_PREFIX}${stage.sliceIndex}`,
              busyMs: reference.busyMs, wallMs: reference.busyMs, power: audit.refereeHost.power, intensity: audit.refereeHost.intensity,
            });
          } catch (error) {
            this.emit({ kind: 'error', reason: `an audit's energy could not be booked: ${(error as Error).message}` });
          }
        }
        const verdict = book.judgeWithReferee({ host: stage.nodeId, outputs: claimed }, { host: 'coordinator', outputs: reference.outputs });
        if (verdict.kind === 'attributed') {
          this.emit({ kind: 'audit-mismatch', nodeId: stage.nodeId, name: this.nameOf(stage.nodeId), reason: verdict.reason, quarantined: verdict.quarantined });
          if (verdict.quarantined) this.quarantine(stage.nodeId);
        }
        input = claimed;
      }
    }).catch((error: Error) => {
      this.auditCounts.errors++;
      this.emit({ kind: 'error', reason: `an audit could not run: ${error.message}` });
    }).finally(() => {
      this.auditBacklog--;
      this.pump();
    });
  }

  /** Take a quarantined node out of the run: re-plan when it hosts a slice of the deployment in force. */
  private quarantine(nodeId: string): void {
    if (this.phaseValue !== 'running' || !this.deployment) return;
    const hosts = this.deployment.pipelines.some((p) => p.stages.some((s) => s.nodeId === nodeId));
    if (hosts) this.restart(`${this.nameOf(nodeId)} quarantined: its outputs failed the audits`);
  }

  /** Audit figures of the run (zeros when audits are off). */
  get auditStats(): AuditStats & { readonly incomplete: number; readonly errors: number; readonly refereeMs: number; readonly holds: number; readonly quarantinedNodes: readonly string[]; readonly suspects: readonly string[] } {
    const book = this.audits;
    const none = { requestsAudited: 0, slicesJudged: 0, mismatches: 0, tiebreaks: 0, attributed: 0, inconclusive: 0, quarantined: 0, suspectResults: 0 };
    return { ...(book ? book.stats : none), ...this.auditCounts, quarantinedNodes: book?.quarantined ?? [], suspects: book?.suspects ?? [] };
  }

  /** Settles once every audit queued so far is judged. */
  auditsSettled(): Promise<void> {
    return this.auditing;
  }

  /**
   * An assembler for one node's result frames, under the run's one budget: only requests this
   * controller sent, and exactly as many tensors as the final slice has outputs.
   */
  /** Set by the result assembler's hook when it refused a frame of a replaced run. */
  private refusedLate = false;

  private resultAssembler(): FrameAssembler {
    return new FrameAssembler({
      budget: this.receiverBudget,
      acceptRequest: (runId, wireId) => {
        const ok = this.wire.has(wireId);
        // Results of a run this coordinator replaced (or stopped) still arrive: late, not forged.
        this.refusedLate = !ok && this.isLate(runId);
        return ok;
      },
      expectTensorCount: (runId, _wireId, sliceIndex) => {
        const found = this.stageOf(runId, sliceIndex);
        const deployment = found && (this.deployment?.runId === runId ? this.deployment : this.deploying?.runId === runId ? this.deploying : this.pastDeployments.get(runId));
        const stages = deployment?.pipelines[found!.pipeline]?.stages;
        if (stages && found!.position === stages.length - 1) return found!.stage.slice.outputs.length;
        // An audited request's earlier slices send their outputs too.
        return found && this.requestForWire(_wireId)?.audited ? found.stage.slice.outputs.length : undefined;
      },
    });
  }

  /** Send queued requests while pipelines have room. */
  private pump(): void {
    if (this.phaseValue !== 'running' || !this.deployment || !this.router) return;
    const window = this.options.window ?? 2;
    const pipelines = this.deployment.pipelines;
    while (this.queue.length > 0) {
      // The referee is behind: hold new sends until it catches up, so a liar is judged while its
      // results are recent (the audit share asked for is kept; the run goes at the referee's pace).
      if (this.auditBacklog >= (this.options.audit?.maxBacklog ?? 4)) {
        if (!this.auditHolding) this.auditCounts.holds++;
        this.auditHolding = true;
        this.concurrency.setSaturated(false, performance.now());
        return;
      }
      this.auditHolding = false;
      const room = (k: number) => (this.primed[k] ? window : 1);
      let chosen = this.router.next();
      if (this.inflight[chosen]! >= room(chosen)) {
        const free = this.inflight.findIndex((n, k) => n < room(k));
        if (free < 0) {
          // Every pipeline is full and requests wait: the swarm runs as fast as it can.
          this.concurrency.setSaturated(true, performance.now());
          return;
        }
        chosen = free;
      }
      const req = this.requests.get(this.queue.shift()!);
      if (!req || req.state !== 'queued') continue;
      this.send(req, chosen, pipelines[chosen]!.stages[0]!);
      if (this.phaseValue !== 'running') return;
    }
    this.concurrency.setSaturated(false, performance.now());
  }

  private send(req: Req, pipeline: number, first: DeployedStage): void {
    const runId = this.deployment!.runId;
    let wireId = randomWireId();
    while (this.wire.has(wireId)) wireId = randomWireId();
    if (req.sends++ > 0) this.stats.resent++;
    req.attempts++;
    req.state = 'inflight';
    if (req.wireId !== undefined) this.parts.delete(req.wireId);
    req.wireId = wireId;
    req.pipeline = pipeline;
    req.sentMs = performance.now();
    if (this.primed[pipeline] && this.fillLeft[pipeline]! > 0) {
      this.fillLeft[pipeline]!--;
      this.fillSends.add(wireId);
    }
    this.inflight[pipeline]!++;
    this.wire.set(wireId, req.id);
    this.parts.set(wireId, { pipeline, stages: this.deployment!.pipelines[pipeline]!.stages.length, insideMs: 0, reported: 0 });
    // A node that never reports would leave its requests here: keep the newest only.
    if (this.parts.size > MAX_OPEN_PARTS) this.parts.delete(this.parts.keys().next().value!);
    const link = this.options.coordinator.linkOf(first.nodeId as NodeId);
    if (!link) {
      this.retry(req, `${this.nameOf(first.nodeId)} is gone`, false);
      return;
    }
    const record = this.options.coordinator.nodes().find((n) => n.nodeId === first.nodeId);
    if (record) {
      this.ledger.recordHop({ inferenceId: `r${req.id}`, fromNodeId: 'coordinator', toNodeId: first.nodeId, bytes: tensorBytes(req.inputs), intensity: carbonOf(record).intensity });
    }
    if (req.audited) {
      // Every earlier stage also sends its outputs here; the last one's come here anyway.
      req.taps = new Map();
      const stages = this.deployment!.pipelines[pipeline]!.stages;
      for (const stage of stages.slice(0, -1)) this.options.coordinator.send(stage.nodeId as NodeId, { kind: 'tap', runId, requestId: wireId });
    }
    const messages = encodeTensorGroup({ runId, requestId: wireId, sliceIndex: first.sliceIndex }, req.inputs);
    sendChunks(link, messages).catch((error: Error) => {
      if (req.wireId === wireId) this.retry(req, `sending to ${this.nameOf(first.nodeId)} failed: ${error.message}`, false);
    });
  }

  /** Put a request back in the queue (front), or fail it after too many attempts; then send what fits. */
  private retry(req: Req, reason: string, countsAsAttempt: boolean): void {
    if (req.state !== 'inflight') return;
    if (!countsAsAttempt) req.attempts--;
    if (req.attempts >= (this.options.maxAttempts ?? 3)) {
      this.finish(req, { ok: false, requestId: req.id, reason: `gave up after ${req.attempts} attempts: ${reason}`, attempts: req.attempts });
    } else {
      this.inflight[req.pipeline!]!--;
      this.primed[req.pipeline!] = true;
      req.state = 'queued';
      if (req.wireId !== undefined) this.parts.delete(req.wireId);
      req.wireId = undefined;
      this.queue.unshift(req.id);
    }
    this.pump();
  }

  private checkTimeouts(): void {
    if (this.phaseValue !== 'running') return;
    const limit = this.options.requestTimeoutMs ?? 60_000;
    const now = performance.now();
    for (const req of [...this.requests.values()]) {
      if (req.state === 'inflight' && now - (req.sentMs ?? now) > limit) this.retry(req, `no result within ${limit} ms`, true);
    }
  }

  /** A node of the deployment went away: re-plan on the others and re-send what was in flight. */
  private checkNodes(): void {
    const alive = new Set(this.options.coordinator.nodes().filter((n) => n.state !== 'gone').map((n) => n.nodeId as string));
    // A gone node's half-sent results will never complete: give their bytes back.
    for (const [nodeId, assembler] of this.assemblers) {
      if (alive.has(nodeId)) continue;
      assembler.close();
      this.assemblers.delete(nodeId);
    }
    if (this.phaseValue === 'deploying' && this.deploying) {
      const d = this.deploying;
      for (const stage of d.pipelines.flatMap((p) => p.stages)) if (!alive.has(stage.nodeId)) this.deployer.failDeploy(d.runId, stage, 'the node left during deployment');
      return;
    }
    if (this.phaseValue !== 'running' || !this.deployment) return;
    const lost = [...new Set(this.deployment.pipelines.flatMap((p) => p.stages.map((s) => s.nodeId)))].filter((id) => !alive.has(id));
    if (lost.length === 0) return;
    this.restart(`lost ${lost.map((id) => this.nameOf(id)).join(', ')}`);
  }

  /**
   * Re-plan now (the user changed the mode or weights, or profiles drifted): requests in flight are
   * re-sent on the new deployment. No-op unless running.
   */
  replan(reason: string): void {
    if (this.phaseValue === 'running') this.restart(reason);
  }

  private restart(reason: string): void {
    this.emit({ kind: 'replanning', reason });
    this.stats.replans++;
    this.phaseValue = 'deploying'; // first, so that re-queued requests wait for the new deployment
    for (const req of [...this.requests.values()]) if (req.state === 'inflight') this.retry(req, reason, false);
    if (this.deployment) this.remember(this.deployment);
    this.deployment = undefined;
    this.replanning = this.deploy().catch((error: Error) => {
      this.emit({ kind: 'error', reason: error.message });
      this.stop(`re-planning failed: ${error.message}`, false);
    });
  }
}
