/**
 * Deploys a run's stages on their nodes: sends each node its `deploy`, streams slice bytes to nodes
 * that do not have them cached (as a uint8 tensor frame under a reserved request id), and settles
 * when every stage reports `deployed` - or fails on `deploy-failed`, a node leaving, a stall or the
 * overall timeout. Progress per stage (state, bytes, rate) is reported as it happens.
 *
 * Stalls are found within seconds, not at the overall timeout: a node must answer its `deploy`
 * (`slice-request`, or `deployed` from its cache) within `ackTimeoutMs` - it is asked once more,
 * then the stage fails - and must report `deployed` within `loadTimeoutMs` of its last slice byte.
 * Nodes that failed a deployment are excluded from later plans of the run: at once for a definite
 * failure (hash mismatch, load error, gone), at the second failure in the run for a transient one (no
 * answer in time, a neighbour link that did not open or authenticate, a load that did not finish):
 * on a busy classroom network one slow handshake should not end a run that has no spare node.
 */
import type { NodeId } from '../protocol/ids';
import type { RunNodeMessage } from '../protocol/run-messages';
import { sendChunks } from '../mesh/chunked-sender';
import type { Coordinator } from './coordinator';
import type { DeployedStage, Deployment } from './deployment';
import { SLICE_BYTES_REQUEST_ID, encodeTensorGroup } from './tensor-group';

/** A deployment did not complete. */
export class DeployError extends Error {
  override name = 'DeployError';
  constructor(
    message: string,
    /** The node that failed, when one did. */
    readonly nodeId?: string,
    /** True when the node was not planned around for it (a first transient failure): try it again. */
    readonly retry = false,
  ) {
    super(message);
  }
}

const stageKey = (runId: number, sliceIndex: number) => `${runId}:${sliceIndex}`;

/** Counters the deployer keeps. */
export interface DeployStats {
  slicesFromCache: number;
  slicesSent: number;
}

/** Where one stage's deployment stands. */
export interface DeployProgress {
  readonly runId: number;
  readonly nodeId: string;
  readonly sliceIndex: number;
  /** asked: `deploy` sent; sending: slice bytes on their way; loading: all bytes sent; ready; failed. */
  readonly state: 'asked' | 'sending' | 'loading' | 'ready' | 'failed';
  readonly bytesSent: number;
  readonly bytesTotal: number;
  /** Send rate of the slice bytes so far, bytes/s (0 before any). */
  readonly rateBytesPerSecond: number;
  /** Served from the node's cache (no bytes sent). */
  readonly fromCache?: boolean;
  readonly reason?: string;
}

/** Timings of {@link StageDeployer}. */
export interface DeployTimings {
  /** A node must answer `deploy` within this, ms (default 15 s; asked twice). */
  readonly ackTimeoutMs?: number;
  /** A node must report `deployed` within this after its last slice byte, ms (default 30 s). */
  readonly loadTimeoutMs?: number;
}

/** Slice bytes are sent in batches of this many chunk messages, with a progress report after each. */
const BATCH_MESSAGES = 8;

interface Waiter {
  readonly stage: DeployedStage;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
  progress: DeployProgress;
  timer?: ReturnType<typeof setTimeout>;
  asks: number;
  sendStartedMs?: number;
}

/** One coordinator's slice deployments. */
export class StageDeployer {
  /** Nodes that failed a deployment (hash mismatch, load error, gone mid-deploy, or a second stall). */
  readonly excluded = new Set<string>();
  /** Transient deployment failures per node in this run. */
  private readonly strikes = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter>();

  constructor(
    private readonly coordinator: Coordinator,
    private readonly stats: DeployStats,
    /** Finds a stage of the run being deployed or in force. */
    private readonly stageOf: (runId: number, sliceIndex: number) => DeployedStage | undefined,
    private readonly onProgress: (progress: DeployProgress) => void = () => {},
    private readonly timings: DeployTimings = {},
  ) {}

  private get ackTimeoutMs(): number {
    return this.timings.ackTimeoutMs ?? 15_000;
  }

  private get loadTimeoutMs(): number {
    return this.timings.loadTimeoutMs ?? 30_000;
  }

  private report(waiter: Waiter, patch: Partial<DeployProgress>): void {
    waiter.progress = { ...waiter.progress, ...patch };
    this.onProgress(waiter.progress);
  }

  private arm(waiter: Waiter, ms: number, onTimeout: () => void): void {
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.timer = setTimeout(onTimeout, ms);
  }

  private ask(deployment: Deployment, waiter: Waiter, up: string, down: string): void {
    const { stage } = waiter;
    const { runId } = deployment;
    waiter.asks++;
    const credential = this.coordinator.linkCredential(stage.nodeId as NodeId, runId);
    const sent = this.coordinator.send(stage.nodeId as NodeId, {
      kind: 'deploy',
      runId,
      sliceIndex: stage.sliceIndex,
      sha256: stage.slice.sha256,
      byteLength: stage.slice.model.byteLength,
      backend: stage.backend,
      inputNames: stage.slice.inputs,
      outputNames: stage.slice.outputs,
      upstreamPeerId: up,
      downstreamPeerId: down,
      // The node's proof, to the peers it exchanges tensors with, that it takes part in this run.
      ...(credential ? { linkCredential: credential } : {}),
    });
    if (!sent) {
      this.failDeploy(runId, stage, 'the node is gone');
      return;
    }
    this.arm(waiter, this.ackTimeoutMs, () => {
      if (waiter.progress.state !== 'asked') return;
      if (waiter.asks < 2) this.ask(deployment, waiter, up, down);
      else this.failDeploy(runId, stage, `did not answer its deploy within ${(2 * this.ackTimeoutMs) / 1000} s`, true);
    });
  }

  /** Deploy every stage; resolves when all are loaded on their nodes, rejects on the first failure. */
  async deployStages(deployment: Deployment, timeoutMs: number): Promise<void> {
    const coordinator = this.coordinator;
    const { runId } = deployment;
    for (const node of coordinator.nodes()) coordinator.send(node.nodeId, { kind: 'undeploy', keepRunId: runId });
    const waits: Promise<void>[] = [];
    for (const pipeline of deployment.pipelines) {
      pipeline.stages.forEach((stage, i) => {
        const up = pipeline.stages[i - 1]?.nodeId ?? coordinator.peerId;
        const down = pipeline.stages[i + 1]?.nodeId ?? coordinator.peerId;
        let waiter!: Waiter;
        waits.push(
          new Promise<void>((resolve, reject) => {
            waiter = {
              stage,
              resolve,
              reject,
              asks: 0,
              progress: { runId, nodeId: stage.nodeId, sliceIndex: stage.sliceIndex, state: 'asked', bytesSent: 0, bytesTotal: stage.slice.model.byteLength, rateBytesPerSecond: 0 },
            };
            this.waiters.set(stageKey(runId, stage.sliceIndex), waiter);
          }),
        );
        this.onProgress(waiter.progress);
        this.ask(deployment, waiter, up, down);
      });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeployError(`deployment of run ${runId} took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all(waits), timeout]);
    } finally {
      clearTimeout(timer);
      for (const [k, waiter] of [...this.waiters]) {
        if (!k.startsWith(`${runId}:`)) continue;
        if (waiter.timer) clearTimeout(waiter.timer);
        this.waiters.delete(k);
      }
    }
  }

  /**
   * Mark a stage failed. Its node is excluded from later plans of the run, at once for a definite
   * failure, at its second `transient` one (see the file comment).
   */
  failDeploy(runId: number, stage: DeployedStage, reason: string, transient = false): void {
    const waiter = this.waiters.get(stageKey(runId, stage.sliceIndex));
    if (waiter && waiter.progress.state === 'failed') return;
    const strikes = (this.strikes.get(stage.nodeId) ?? 0) + (transient ? 1 : 0);
    this.strikes.set(stage.nodeId, strikes);
    const retry = transient && strikes < 2;
    if (!retry) this.excluded.add(stage.nodeId);
    if (!waiter) return;
    if (waiter.timer) clearTimeout(waiter.timer);
    this.report(waiter, { state: 'failed', reason });
    waiter.reject(new DeployError(`slice ${stage.sliceIndex + 1} on ${this.nameOf(stage.nodeId)}: ${reason}`, stage.nodeId, retry));
  }

  private nameOf(nodeId: string): string {
    return this.coordinator.nodes().find((n) => n.nodeId === nodeId)?.name ?? nodeId;
  }

  /** Handle `slice-request`, `deployed` and `deploy-failed`. */
  onDeployMessage(nodeId: NodeId, message: Extract<RunNodeMessage, { kind: 'slice-request' | 'deployed' | 'deploy-failed' }>): void {
    const found = this.stageOf(message.runId, message.sliceIndex);
    if (!found || found.nodeId !== nodeId) {
      this.coordinator.countDrop(`${message.kind} for a slice ${this.nameOf(nodeId)} does not host`);
      return;
    }
    const waiter = this.waiters.get(stageKey(message.runId, message.sliceIndex));
    if (message.kind === 'deploy-failed') {
      this.failDeploy(message.runId, found, message.reason, message.retryable === true);
      return;
    }
    if (message.kind === 'deployed') {
      if (!waiter || waiter.progress.state === 'ready' || waiter.progress.state === 'failed') return;
      if (message.fromCache) this.stats.slicesFromCache++;
      if (waiter.timer) clearTimeout(waiter.timer);
      this.report(waiter, { state: 'ready', ...(message.fromCache ? { fromCache: true } : {}) });
      waiter.resolve();
      return;
    }
    // slice-request: send the bytes once (a repeated request while sending is ignored).
    if (!waiter || waiter.progress.state !== 'asked') return;
    const link = this.coordinator.linkOf(nodeId);
    if (!link) return;
    this.stats.slicesSent++;
    if (waiter.timer) clearTimeout(waiter.timer);
    waiter.sendStartedMs = performance.now();
    this.report(waiter, { state: 'sending' });
    const bytes = found.slice.model;
    const messages = encodeTensorGroup(
      { runId: message.runId, requestId: SLICE_BYTES_REQUEST_ID, sliceIndex: message.sliceIndex },
      { slice: { dtype: 'uint8', dims: [bytes.byteLength], data: bytes } },
    );
    void (async () => {
      try {
        let sent = 0;
        for (let i = 0; i < messages.length; i += BATCH_MESSAGES) {
          if (waiter.progress.state !== 'sending') return; // failed meanwhile
          const batch = messages.slice(i, i + BATCH_MESSAGES);
          const report = await sendChunks(link, batch);
          sent += report.bytes;
          const seconds = (performance.now() - waiter.sendStartedMs!) / 1000;
          this.report(waiter, { bytesSent: Math.min(bytes.byteLength, sent), rateBytesPerSecond: seconds > 0 ? sent / seconds : 0 });
        }
        if (waiter.progress.state !== 'sending') return;
        this.report(waiter, { state: 'loading', bytesSent: bytes.byteLength });
        this.arm(waiter, this.loadTimeoutMs, () => {
          if (waiter.progress.state === 'loading') this.failDeploy(message.runId, found, `did not load its slice within ${this.loadTimeoutMs / 1000} s of receiving it`, true);
        });
      } catch (error) {
        this.failDeploy(message.runId, found, `sending the slice failed: ${(error as Error).message}`, true);
      }
    })();
  }

  /** Fail every pending deployment (the run stops). */
  rejectAll(reason: string): void {
    for (const waiter of this.waiters.values()) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(new DeployError(reason));
    }
  }
}
