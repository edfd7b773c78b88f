/**
 * Deploys a run's stages on their nodes: sends each node its `deploy`, streams slice bytes to nodes
 * that do not have them cached (as a uint8 tensor frame under a reserved request id), and settles
 * when every stage reports `deployed` - or fails on `deploy-failed`, a node leaving, or a timeout.
 * Nodes that failed a deployment are excluded from later plans.
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
}

const stageKey = (runId: number, sliceIndex: number) => `${runId}:${sliceIndex}`;

/** Counters the deployer keeps. */
export interface DeployStats {
  slicesFromCache: number;
  slicesSent: number;
}

/** One coordinator's slice deployments. */
export class StageDeployer {
  /** Nodes that failed a deployment (hash mismatch, load error, gone mid-deploy). */
  readonly excluded = new Set<string>();
  private readonly waiters = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();

  constructor(
    private readonly coordinator: Coordinator,
    private readonly stats: DeployStats,
    /** Finds a stage of the run being deployed or in force. */
    private readonly stageOf: (runId: number, sliceIndex: number) => DeployedStage | undefined,
  ) {}

  /** Deploy every stage; resolves when all are loaded on their nodes. */
  async deployStages(deployment: Deployment, timeoutMs: number): Promise<void> {
    const coordinator = this.coordinator;
    const { runId } = deployment;
    for (const node of coordinator.nodes()) coordinator.send(node.nodeId, { kind: 'undeploy', keepRunId: runId });
    const waits: Promise<void>[] = [];
    for (const pipeline of deployment.pipelines) {
      pipeline.stages.forEach((stage, i) => {
        const up = pipeline.stages[i - 1]?.nodeId ?? coordinator.peerId;
        const down = pipeline.stages[i + 1]?.nodeId ?? coordinator.peerId;
        waits.push(
          new Promise<void>((resolve, reject) => this.waiters.set(stageKey(runId, stage.sliceIndex), { resolve, reject })),
        );
        const sent = coordinator.send(stage.nodeId as NodeId, {
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
        });
        if (!sent) this.failDeploy(runId, stage, `node ${stage.nodeId} is gone`);
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
      for (const k of [...this.waiters.keys()]) if (k.startsWith(`${runId}:`)) this.waiters.delete(k);
    }
  }

  /** Mark a stage failed (its node is excluded from later plans). */
  failDeploy(runId: number, stage: DeployedStage, reason: string): void {
    this.excluded.add(stage.nodeId);
    this.waiters.get(stageKey(runId, stage.sliceIndex))?.reject(new DeployError(`slice ${stage.sliceIndex} on ${stage.nodeId}: ${reason}`));
  }

  /** Handle `slice-request`, `deployed` and `deploy-failed`. */
  onDeployMessage(nodeId: NodeId, message: Extract<RunNodeMessage, { kind: 'slice-request' | 'deployed' | 'deploy-failed' }>): void {
    const found = this.stageOf(message.runId, message.sliceIndex);
    if (!found || found.nodeId !== nodeId) {
      this.coordinator.countDrop(`${message.kind} for a slice ${nodeId} does not host`);
      return;
    }
    const waiter = this.waiters.get(stageKey(message.runId, message.sliceIndex));
    if (message.kind === 'deploy-failed') this.failDeploy(message.runId, found, message.reason);
    else if (message.kind === 'deployed') {
      if (message.fromCache) this.stats.slicesFromCache++;
      waiter?.resolve();
    } else {
      const link = this.coordinator.linkOf(nodeId);
      if (!link) return;
      this.stats.slicesSent++;
      const bytes = found.slice.model;
      const messages = encodeTensorGroup(
        { runId: message.runId, requestId: SLICE_BYTES_REQUEST_ID, sliceIndex: message.sliceIndex },
        { slice: { dtype: 'uint8', dims: [bytes.byteLength], data: bytes } },
      );
      sendChunks(link, messages).catch((error: Error) => this.failDeploy(message.runId, found, `sending the slice failed: ${error.message}`));
    }
  }


  /** Fail every pending deployment (the run stops). */
  rejectAll(reason: string): void {
    for (const waiter of this.waiters.values()) waiter.reject(new DeployError(reason));
  }
}
