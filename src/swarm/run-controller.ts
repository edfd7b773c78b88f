/**
 * The coordinator's run plane: plan on the ready nodes, deploy slices, stream requests through the
 * pipelines with several in flight, collect results, and account every execution and hop in the
 * carbon ledger. When a node leaves or stalls it re-plans on the rest and re-sends what was in
 * flight. Every submitted request ends exactly once: a result or a clear error.
 *
 * Each send of a request gets a fresh wire id, so frames or results of an abandoned attempt can
 * never complete a request twice; they are counted and dropped.
 */
import { CarbonLedger } from '../carbon/ledger';
import { FrameAssembler } from '../protocol/frame-assembler';
import type { NodeId } from '../protocol/ids';
import type { RunNodeMessage } from '../protocol/run-messages';
import type { TensorData } from '../runtime/tensor';
import { sendChunks } from '../mesh/chunked-sender';
import { createShareRouter, type ShareRouter } from '../plan/share-router';
import type { Placement } from '../plan/plan-types';
import { Listeners } from '../util/listeners';
import { buildDeployment, type DeployedStage, type Deployment } from './deployment';
import { StageDeployer } from './stage-deployer';
import { carbonOf, isPlannable } from './plan-inputs';
import { decodeTensorGroup, encodeTensorGroup, tensorBytes } from './tensor-group';
import { RunError, type RequestOutcome, type RunControllerOptions, type RunEvent, type RunStats } from './run-types';

export type { RequestOutcome, RunControllerOptions, RunEvent, RunStats } from './run-types';
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
}

/** Runs one model on the swarm. */
export class RunController {
  readonly ledger: CarbonLedger;
  readonly stats: RunStats = { submitted: 0, completed: 0, failed: 0, resent: 0, droppedResults: 0, replans: 0, slicesFromCache: 0, slicesSent: 0 };
  private readonly events = new Listeners<[RunEvent]>();
  private readonly requests = new Map<number, Req>();
  private readonly wire = new Map<number, number>();
  private readonly queue: number[] = [];
  private readonly assemblers = new Map<NodeId, FrameAssembler>();
  private readonly deployer: StageDeployer;
  private readonly offs: (() => void)[] = [];
  private deployment: Deployment | undefined;
  private placementValue: Placement | undefined;
  private router: ShareRouter | undefined;
  private inflight: number[] = [];
  private phase: 'idle' | 'deploying' | 'running' | 'stopped' = 'idle';
  private runCounter = 0;
  private nextRequestId = 1;
  private nextWireId = 1;
  private replanning: Promise<void> | undefined;
  private sweep: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly options: RunControllerOptions) {
    this.ledger = options.ledger ?? new CarbonLedger();
    this.deployer = new StageDeployer(options.coordinator, this.stats, (runId, sliceIndex) => this.stageOf(runId, sliceIndex)?.stage);
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

  /** Plan and deploy on the ready nodes. Rejects with RunError when no placement works. Idempotent once running. */
  async start(): Promise<void> {
    if (this.phase !== 'idle') return this.replanning;
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
      this.stop(`could not start: ${(error as Error).message}`);
      throw error;
    }
  }

  /** Submit one inference; resolves exactly once. */
  submit(inputs: Record<string, TensorData>): Promise<RequestOutcome> {
    const id = this.nextRequestId++;
    this.stats.submitted++;
    return new Promise<RequestOutcome>((resolve) => {
      if (this.phase === 'stopped') {
        this.stats.failed++;
        resolve({ ok: false, requestId: id, reason: 'the run is stopped', attempts: 0 });
        return;
      }
      this.requests.set(id, { id, inputs, submittedMs: performance.now(), resolve, state: 'queued', attempts: 0, sends: 0 });
      this.queue.push(id);
      this.pump();
    });
  }

  /** Stop: fail everything pending with `reason`, undeploy on every node. Idempotent. */
  stop(reason = 'the run was stopped'): void {
    if (this.phase === 'stopped') return;
    this.phase = 'stopped';
    if (this.sweep) clearInterval(this.sweep);
    for (const off of this.offs) off();
    for (const req of this.requests.values()) if (req.state !== 'done') this.finish(req, { ok: false, requestId: req.id, reason, attempts: req.attempts });
    this.deployer.rejectAll(reason);
    for (const node of this.options.coordinator.nodes()) this.options.coordinator.send(node.nodeId, { kind: 'undeploy', keepRunId: null });
  }

  private emit(event: RunEvent): void {
    this.events.emit(event);
  }

  private finish(req: Req, outcome: RequestOutcome): void {
    if (req.state === 'done') return;
    if (req.state === 'inflight' && req.pipeline !== undefined) this.inflight[req.pipeline]!--;
    req.state = 'done';
    this.requests.delete(req.id);
    if (outcome.ok) this.stats.completed++;
    else this.stats.failed++;
    req.resolve(outcome);
    this.emit({ kind: 'result', outcome });
  }

  /** Plan on the usable nodes, build and deploy the slices, then resume sending. */
  private async deploy(): Promise<void> {
    const { coordinator } = this.options;
    for (;;) {
      if (this.phase === 'stopped') return;
      this.phase = 'deploying';
      const nodes = coordinator.nodes().filter((n) => isPlannable(n) && !this.deployer.excluded.has(n.nodeId));
      if (nodes.length === 0) throw new RunError('no ready node with a benchmark to run on');
      const result = this.options.planNodes(nodes);
      if (!result.ok) throw new RunError(`no placement: ${result.reason}`);
      const runId = ++this.runCounter;
      const t0 = performance.now();
      const deployment = await buildDeployment(runId, this.options.profile, result.placement);
      this.deploying = deployment;
      try {
        await this.deployer.deployStages(deployment, this.options.deployTimeoutMs ?? 120_000);
      } catch (error) {
        if (this.stats.replans++ >= (this.options.maxReplans ?? 8)) throw error;
        this.emit({ kind: 'replanning', reason: (error as Error).message });
        continue;
      }
      this.deployment = deployment;
      this.placementValue = result.placement;
      this.router = createShareRouter(deployment.pipelines.map((p) => p.share));
      this.inflight = deployment.pipelines.map(() => 0);
      this.phase = 'running';
      this.emit({ kind: 'deployed', runId, placement: result.placement, deployMs: performance.now() - t0 });
      this.pump();
      return;
    }
  }

  private stageOf(runId: number, sliceIndex: number): { stage: DeployedStage; pipeline: number; position: number } | undefined {
    const deployment = this.deployment?.runId === runId ? this.deployment : this.pendingDeployment(runId);
    if (!deployment) return undefined;
    for (const [p, pipeline] of deployment.pipelines.entries()) {
      const position = pipeline.stages.findIndex((s) => s.sliceIndex === sliceIndex);
      if (position >= 0) return { stage: pipeline.stages[position]!, pipeline: p, position };
    }
    return undefined;
  }

  private deploying: Deployment | undefined;
  private pendingDeployment(runId: number): Deployment | undefined {
    return this.deploying?.runId === runId ? this.deploying : undefined;
  }

  private onRunMessage(nodeId: NodeId, message: RunNodeMessage): void {
    switch (message.kind) {
      case 'profile':
        return;
      case 'slice-request':
      case 'deployed':
      case 'deploy-failed':
        this.deployer.onDeployMessage(nodeId, message);
        return;
      case 'executed':
        this.onExecuted(nodeId, message);
        return;
      case 'request-failed': {
        const req = this.requestForWire(message.requestId);
        if (req && req.wireId === message.requestId) this.retry(req, `slice ${message.sliceIndex} on ${nodeId} failed: ${message.reason}`, true);
        return;
      }
      default: {
        const unhandled: never = message;
        void unhandled;
      }
    }
  }

  private requestForWire(wireId: number): Req | undefined {
    const id = this.wire.get(wireId);
    return id === undefined ? undefined : this.requests.get(id);
  }

  private onExecuted(nodeId: NodeId, message: Extract<RunNodeMessage, { kind: 'executed' }>): void {
    const logical = this.wire.get(message.requestId);
    const found = this.stageOf(message.runId, message.sliceIndex);
    if (logical === undefined || !found || found.stage.nodeId !== nodeId) {
      this.options.coordinator.countDrop(`executed report for a request ${nodeId} was not given`);
      return;
    }
    const record = this.options.coordinator.nodes().find((n) => n.nodeId === nodeId);
    if (!record) return;
    const { intensity, power } = carbonOf(record);
    const inferenceId = `r${logical}`;
    // Energy actually spent counts, also for attempts that were later abandoned.
    this.ledger.recordExecution({ inferenceId, nodeId, sliceId: `slice${message.sliceIndex}`, busyMs: message.busyMs, wallMs: Math.max(message.wallMs, message.busyMs), power, intensity });
    const next = this.deployment?.pipelines[found.pipeline]?.stages[found.position + 1]?.nodeId ?? 'coordinator';
    this.ledger.recordHop({ inferenceId, fromNodeId: nodeId, toNodeId: next, bytes: message.outputBytes, intensity });
  }

  private onBinary(nodeId: NodeId, data: ArrayBuffer): void {
    let assembler = this.assemblers.get(nodeId);
    if (!assembler) this.assemblers.set(nodeId, (assembler = new FrameAssembler()));
    const result = assembler.push(data);
    if (result.kind === 'rejected') {
      this.options.coordinator.countDrop(`bad frame from ${nodeId}: ${result.error.message}`);
      return;
    }
    if (result.kind !== 'frame' || !result.group) return;
    const group = result.group;
    const req = this.requestForWire(group.requestId);
    const found = this.stageOf(group.runId, group.sliceIndex);
    const pipeline = found ? this.deployment?.pipelines[found.pipeline] : undefined;
    const isLast = found && pipeline && found.position === pipeline.stages.length - 1 && found.stage.nodeId === nodeId;
    if (!req || !isLast || req.state !== 'inflight' || req.wireId !== group.requestId || group.runId !== this.deployment?.runId) {
      this.stats.droppedResults++;
      return;
    }
    const now = performance.now();
    this.finish(req, {
      ok: true,
      requestId: req.id,
      outputs: decodeTensorGroup(group.frames),
      latencyMs: now - (req.sentMs ?? now),
      totalMs: now - req.submittedMs,
      attempts: req.attempts,
      pipeline: req.pipeline ?? 0,
    });
    this.pump();
  }

  /** Send queued requests while pipelines have room. */
  private pump(): void {
    if (this.phase !== 'running' || !this.deployment || !this.router) return;
    const window = this.options.window ?? 2;
    const pipelines = this.deployment.pipelines;
    while (this.queue.length > 0) {
      let chosen = this.router.next();
      if (this.inflight[chosen]! >= window) {
        const free = this.inflight.findIndex((n) => n < window);
        if (free < 0) return;
        chosen = free;
      }
      const req = this.requests.get(this.queue.shift()!);
      if (!req || req.state !== 'queued') continue;
      this.send(req, chosen, pipelines[chosen]!.stages[0]!);
    }
  }

  private send(req: Req, pipeline: number, first: DeployedStage): void {
    const runId = this.deployment!.runId;
    const wireId = this.nextWireId++ >>> 0;
    if (req.sends++ > 0) this.stats.resent++;
    req.attempts++;
    req.state = 'inflight';
    req.wireId = wireId;
    req.pipeline = pipeline;
    req.sentMs = performance.now();
    this.inflight[pipeline]!++;
    this.wire.set(wireId, req.id);
    const link = this.options.coordinator.linkOf(first.nodeId as NodeId);
    if (!link) {
      this.retry(req, `node ${first.nodeId} is gone`, false);
      return;
    }
    const record = this.options.coordinator.nodes().find((n) => n.nodeId === first.nodeId);
    if (record) {
      this.ledger.recordHop({ inferenceId: `r${req.id}`, fromNodeId: 'coordinator', toNodeId: first.nodeId, bytes: tensorBytes(req.inputs), intensity: carbonOf(record).intensity });
    }
    const messages = encodeTensorGroup({ runId, requestId: wireId, sliceIndex: first.sliceIndex }, req.inputs);
    sendChunks(link, messages).catch((error: Error) => {
      if (req.wireId === wireId) this.retry(req, `sending to ${first.nodeId} failed: ${error.message}`, false);
    });
  }

  /** Put a request back in the queue (front), or fail it after too many attempts. */
  private retry(req: Req, reason: string, countsAsAttempt: boolean): void {
    if (req.state !== 'inflight') return;
    if (!countsAsAttempt) req.attempts--;
    if (req.attempts >= (this.options.maxAttempts ?? 3)) {
      this.finish(req, { ok: false, requestId: req.id, reason: `gave up after ${req.attempts} attempts: ${reason}`, attempts: req.attempts });
      return;
    }
    this.inflight[req.pipeline!]!--;
    req.state = 'queued';
    req.wireId = undefined;
    this.queue.unshift(req.id);
    this.pump();
  }

  private checkTimeouts(): void {
    if (this.phase !== 'running') return;
    const limit = this.options.requestTimeoutMs ?? 60_000;
    const now = performance.now();
    for (const req of this.requests.values()) {
      if (req.state === 'inflight' && now - (req.sentMs ?? now) > limit) this.retry(req, `no result within ${limit} ms`, true);
    }
  }

  /** A node of the deployment went away: re-plan on the others and re-send what was in flight. */
  private checkNodes(): void {
    const alive = new Set(this.options.coordinator.nodes().filter((n) => n.state !== 'gone').map((n) => n.nodeId as string));
    if (this.phase === 'deploying' && this.deploying) {
      const d = this.deploying;
      for (const stage of d.pipelines.flatMap((p) => p.stages)) if (!alive.has(stage.nodeId)) this.deployer.failDeploy(d.runId, stage, 'node left during deployment');
      return;
    }
    if (this.phase !== 'running' || !this.deployment) return;
    const lost = [...new Set(this.deployment.pipelines.flatMap((p) => p.stages.map((s) => s.nodeId)))].filter((id) => !alive.has(id));
    if (lost.length === 0) return;
    for (const id of lost) this.deployer.excluded.add(id);
    this.restart(`lost ${lost.join(', ')}`);
  }

  /**
   * Re-plan now (the user changed the mode or weights, or profiles drifted): requests in flight are
   * re-sent on the new deployment. No-op unless running.
   */
  replan(reason: string): void {
    if (this.phase === 'running') this.restart(reason);
  }

  private restart(reason: string): void {
    this.emit({ kind: 'replanning', reason });
    this.stats.replans++;
    this.phase = 'deploying'; // first, so that re-queued requests wait for the new deployment
    for (const req of [...this.requests.values()]) if (req.state === 'inflight') this.retry(req, reason, false);
    this.deployment = undefined;
    this.replanning = this.deploy().catch((error: Error) => {
      this.emit({ kind: 'error', reason: error.message });
      this.stop(`re-planning failed: ${error.message}`);
    });
  }
}
