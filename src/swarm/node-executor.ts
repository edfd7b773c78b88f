/**
 * An edge node's run plane: hosts the slices the coordinator deploys, receives their input tensors
 * from the expected upstream peer only, runs them in order in the runtime (a worker on pages),
 * forwards outputs straight to the next peer, and reports each execution for the ledger.
 *
 * Trust (issue 13, findings 4-7): every node-to-node link goes through one {@link PeerReceiver}:
 * nothing on it is assembled before both ends proved the credential the coordinator sent with
 * their deploy (a link that does not within 5 s is closed and counted), and outputs are sent on an
 * outbound link only once it authenticated. All links, the coordinator's included, assemble under
 * ONE {@link ReceiverBudget}; a frame is accepted only for a run this node takes part in, and a
 * group must have exactly as many tensors as the hosted slice has inputs.
 */
import { FrameAssembler, type FrameAssemblerOptions, type FrameGroup } from '../protocol/frame-assembler';
import { ReceiverBudget, type ReceiverBudgetStats } from '../protocol/receiver-budget';
import type { WireLinkCredential } from '../protocol/run-messages';
import { PeerReceiver, type PeerReceiverStats } from '../trust/peer-receiver';
import type { DeployMessage, RunCoordinatorMessage } from '../protocol/run-messages';
import type { RunResult, WorkerBackend } from '../protocol/worker-api';
import type { TensorData } from '../runtime/tensor';
import { sendChunks } from '../mesh/chunked-sender';
import type { Link, Transport } from '../mesh/transport';
import type { EdgeNode } from './edge-node';
import type { SliceStore } from './slice-store';
import { SLICE_BYTES_REQUEST_ID, decodeTensorGroup, encodeTensorGroup, tensorBytes } from './tensor-group';

/** The part of the runtime worker API the executor needs. */
/** Pending taps a node keeps (oldest dropped beyond). */
const MAX_TAPS = 256;

export interface SliceRuntime {
  load(modelId: string, source: Uint8Array, backend: WorkerBackend): Promise<unknown>;
  run(modelId: string, feeds: Record<string, TensorData>): Promise<RunResult>;
  unload(modelId: string): Promise<void>;
  /** Change the quota-style slowdown (simulated and lab nodes). */
  setSlowdown?(slowdown: number): Promise<void>;
}

/** Options of {@link NodeExecutor}. */
export interface NodeExecutorOptions {
  readonly node: EdgeNode;
  readonly transport: Transport;
  readonly runtime: SliceRuntime;
  readonly store: SliceStore;
  /** Lower-case hex SHA-256 of bytes (src/graph sha256Hex: works outside secure contexts too). */
  readonly sha256: (bytes: Uint8Array) => Promise<string>;
  /** The node's one receiver budget (default: 512 MiB). */
  readonly budget?: ReceiverBudget;
  /** Time a peer link has to authenticate, ms (default 5,000). */
  readonly linkAuthTimeoutMs?: number;
  /** Parked sessions kept at most (default {@link PARKED_MAX}; 0 unloads every undeployed slice). */
  readonly parkedMax?: number;
}

/** What the node's receivers did, for the page and tests (numbers only). */
export interface NodeReceiverStats {
  /** The node's budget: held, peak, refusals, evictions, rejections by reason. */
  readonly budget: ReceiverBudgetStats;
  /** Peer links: attached, authenticated, refused, messages dropped before authentication. */
  readonly links: PeerReceiverStats;
}

interface HostedSlice {
  readonly deploy: DeployMessage;
  readonly modelId: string;
  /** Size of the slice's verified bytes (for the parked sessions' bound). */
  readonly bytes: number;
  downstream?: Link;
  /** The next slice runs on this node too: hand outputs over in memory, no frames. */
  nextIsLocal?: boolean;
}

const key = (runId: number, sliceIndex: number) => `${runId}:${sliceIndex}`;

/**
 * Sessions of undeployed slices kept loaded for a later deployment of the same slice (same SHA-256
 * and backend): at most this many, and at most {@link PARKED_MAX_BYTES} of slice bytes; the oldest
 * is unloaded first. Rebuilding a session the node already had costs the deployment its load time,
 * and on Chromium a worker that builds sessions again and again compiles onnxruntime's code at its
 * top tier for seconds while runs go on (docs/decisions.md, "A node keeps the sessions of its last
 * slices").
 */
export const PARKED_MAX = 4;
/** Slice bytes the parked sessions may hold in all. */
export const PARKED_MAX_BYTES = 64 * 2 ** 20;

/** Runs deployed slices on one node. */
export class NodeExecutor {
  private readonly slices = new Map<string, HostedSlice>();
  private readonly pendingBytes = new Map<string, DeployMessage>();
  private readonly peerLinks = new Map<string, Promise<Link>>();
  private readonly budget: ReceiverBudget;
  private readonly receiver: PeerReceiver;
  /** Outbound links waiting for their handshake. */
  private readonly authWaiters = new Map<Link, { resolve: () => void; reject: (error: Error) => void }>();
  /** The assembler of the coordinator's link (slice bytes, first-slice inputs), with that link. */
  private coordinatorAssembler: { link: Link; assembler: FrameAssembler } | undefined;
  /** Wire ids of audited requests of the current run (`tap`). */
  private readonly taps = new Set<number>();
  /** The run this node takes part in now (set when its deploy arrives), and its link credential. */
  private currentRun: { runId: number; credential?: WireLinkCredential } | undefined;
  /** Peer links attached to the receiver, until they close. */
  private readonly attached = new Set<Link>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private queue: Promise<void> = Promise.resolve();
  private commands: Promise<void> = Promise.resolve();
  private busyMsTotal = 0;
  private offs: (() => void)[] = [];
  /** Frames or groups refused (wrong sender, unknown slice, malformed). */
  rejectedFrames = 0;
  /** Slice executions done. */
  executions = 0;
  /** Why the last peer link was refused (not authenticated, bad credential, ...). */
  lastRefusedLink: string | undefined;
  /** Loaded sessions of undeployed slices, by `sha256|backend`, oldest first (see {@link PARKED_MAX}). */
  private readonly parked = new Map<string, { readonly modelId: string; readonly bytes: number }>();
  /** Deployments served by a parked session (no bytes fetched, no session built). */
  sessionsReused = 0;

  constructor(private readonly options: NodeExecutorOptions) {
    this.budget = options.budget ?? new ReceiverBudget();
    const { node, transport } = options;
    this.receiver = new PeerReceiver({
      budget: this.budget,
      ...(options.linkAuthTimeoutMs !== undefined ? { timeoutMs: options.linkAuthTimeoutMs } : {}),
      authContext: () => {
        const credential = this.currentRun?.credential;
        const coordinatorKey = node.coordinatorKey;
        if (!credential || !coordinatorKey) return undefined;
        const runId = this.currentRun!.runId;
        return { room: credential.room, localPeerId: transport.localPeerId, nodeKey: node.nodeKey, credential, coordinatorKey, acceptRun: (r) => r === runId };
      },
      assembler: this.assemblerHooks(false),
      onGroup: (link, group) => this.onGroup(link, group),
      onAuthenticated: (link) => {
        this.authWaiters.get(link)?.resolve();
        this.authWaiters.delete(link);
      },
      onRefusedLink: (link, reason) => {
        this.lastRefusedLink = `link from ${link.remotePeerId.slice(0, 80)} refused: ${reason}`;
        this.authWaiters.get(link)?.reject(new Error(`the link to ${link.remotePeerId} did not authenticate: ${reason}`));
        this.authWaiters.delete(link);
      },
    });
  }

  /** The node's receiver figures: one budget across all links, and the peer links' handshakes. */
  get receiverStats(): NodeReceiverStats {
    return { budget: this.budget.stats, links: this.receiver.stats };
  }

  /**
   * Hooks for an assembler: a frame is accepted only for the run this node takes part in, and its
   * group must have as many tensors as the hosted slice has inputs (slice bytes: one tensor, from
   * the coordinator, for a slice waiting for them).
   */
  private assemblerHooks(fromCoordinator: boolean): Omit<FrameAssemblerOptions, 'budget'> {
    return {
      acceptRequest: (runId) => this.currentRun?.runId === runId,
      expectTensorCount: (runId, requestId, sliceIndex) => {
        if (requestId === SLICE_BYTES_REQUEST_ID) return fromCoordinator && this.pendingBytes.has(key(runId, sliceIndex)) ? 1 : undefined;
        return this.slices.get(key(runId, sliceIndex))?.deploy.inputNames.length;
      },
    };
  }
  /** Total compute time so far, ms (for load figures). */
  get busyMs(): number {
    return this.busyMsTotal;
  }

  /** Start listening. Idempotent. */
  start(): void {
    if (this.offs.length) return;
    const { node, transport } = this.options;
    let hadCoordinator = false;
    this.offs.push(
      // Commands run one at a time, in arrival order: a previous run's clean-up must never overtake
      // (and remove) the next run's deployment.
      node.onCommand((message) => this.enqueue(() => this.onCommand(message))),
      node.onBinary((data) => {
        const link = node.coordinatorLink;
        if (link) this.onCoordinatorFrame(link, data);
      }),
      // The run's credential must be in place before any link handshake needs it: not queued.
      node.onCommand((message) => this.onCommandNow(message)),
      transport.onLink((link) => this.attachPeer(link)),
      // A lost coordinator (its tab reloaded, the connection dropped) forgets its runs: so do we.
      node.onChange(() => {
        const connected = node.state === 'ready' || node.state === 'benchmarking';
        if (hadCoordinator && !connected && node.state !== 'joining') {
          this.currentRun = undefined;
          this.enqueue(() => this.undeploy(null));
        }
        hadCoordinator = connected;
      }),
    );
    this.ticker = setInterval(() => this.receiver.tick(), 1000);
  }

  /** Commands' effects on who may send to us take hold on arrival (the rest runs in order). */
  private onCommandNow(message: RunCoordinatorMessage): void {
    if (message.kind === 'deploy') {
      if (this.currentRun?.runId !== message.runId || message.linkCredential) {
        this.currentRun = { runId: message.runId, ...(message.linkCredential ? { credential: message.linkCredential } : {}) };
      }
      this.receiver.refresh();
    } else if (message.kind === 'undeploy' && this.currentRun && this.currentRun.runId !== message.keepRunId) {
      this.currentRun = undefined;
      this.taps.clear();
    } else if (message.kind === 'tap' && message.runId === this.currentRun?.runId) {
      // An audited request: its outputs here also go to the coordinator (bounded, oldest dropped).
      this.taps.add(message.requestId);
      if (this.taps.size > MAX_TAPS) this.taps.delete(this.taps.values().next().value!);
    }
  }

  /** Run `task` after every command before it (errors are the task's own to report). */
  private enqueue(task: () => Promise<void>): void {
    this.commands = this.commands.then(task).catch(() => undefined);
  }

  /** What this node hosts now: deployment id and slice index of each slice. */
  hosted(): { runId: number; sliceIndex: number }[] {
    return [...this.slices.values()].map((h) => ({ runId: h.deploy.runId, sliceIndex: h.deploy.sliceIndex }));
  }

  /** Stop and unload everything. Idempotent. */
  async stop(): Promise<void> {
    for (const off of this.offs) off();
    this.offs = [];
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    this.currentRun = undefined;
    await this.undeploy(null, false);
    await this.unpark();
    this.receiver.stop();
    this.coordinatorAssembler?.assembler.close();
    this.coordinatorAssembler = undefined;
  }

  private async onCommand(message: RunCoordinatorMessage): Promise<void> {
    switch (message.kind) {
      case 'deploy':
        await this.deploy(message);
        return;
      case 'undeploy':
        await this.undeploy(message.keepRunId);
        return;
      case 'configure':
        if (message.slowdown !== undefined) await this.options.runtime.setSlowdown?.(message.slowdown);
        return;
      case 'tap':
        return; // taken on arrival (onCommandNow)
      default: {
        const unhandled: never = message;
        void unhandled;
      }
    }
  }

  private report(message: Parameters<EdgeNode['sendToCoordinator']>[0]): void {
    this.options.node.sendToCoordinator(message);
  }

  private async deploy(message: DeployMessage): Promise<void> {
    const t0 = performance.now();
    const k = key(message.runId, message.sliceIndex);
    // Asked again (the coordinator heard nothing): say where we stand instead of loading twice.
    const hosted = this.slices.get(k);
    if (hosted && hosted.deploy.sha256 === message.sha256) {
      this.report({ kind: 'deployed', runId: message.runId, sliceIndex: message.sliceIndex, sha256: message.sha256, fromCache: true, loadMs: 0 });
      return;
    }
    if (this.pendingBytes.has(k)) {
      this.report({ kind: 'slice-request', runId: message.runId, sliceIndex: message.sliceIndex, sha256: message.sha256 });
      return;
    }
    // A session this node built for the same slice (bytes verified then) and backend: take it over.
    const parkedKey = `${message.sha256}|${message.backend}`;
    const parked = this.parked.get(parkedKey);
    if (parked) {
      this.parked.delete(parkedKey);
      this.sessionsReused++;
      await this.host(message, parked.modelId, parked.bytes, true, t0);
      return;
    }
    const cached = await this.options.store.get(message.sha256);
    if (!cached) {
      this.pendingBytes.set(key(message.runId, message.sliceIndex), message);
      this.report({ kind: 'slice-request', runId: message.runId, sliceIndex: message.sliceIndex, sha256: message.sha256 });
      return;
    }
    await this.install(message, cached, true, t0);
  }

  private async install(message: DeployMessage, bytes: Uint8Array, fromCache: boolean, t0: number): Promise<void> {
    const fail = (reason: string, retryable = false) =>
      this.report({ kind: 'deploy-failed', runId: message.runId, sliceIndex: message.sliceIndex, reason: reason.slice(0, 400), ...(retryable ? { retryable } : {}) });
    let loaded: string | undefined;
    try {
      const actual = await this.options.sha256(bytes);
      if (actual !== message.sha256) {
        this.rejectedFrames++;
        fail(`slice hash mismatch: expected ${message.sha256.slice(0, 12)}..., got ${actual.slice(0, 12)}...`);
        return;
      }
      if (!fromCache) await this.options.store.put(message.sha256, bytes);
      const modelId = `run${message.runId}-slice${message.sliceIndex}`;
      await this.options.runtime.load(modelId, bytes, message.backend);
      loaded = modelId;
    } catch (error) {
      if (loaded) await this.options.runtime.unload(loaded).catch(() => undefined);
      fail(`could not deploy: ${(error as Error).message}`);
      return;
    }
    await this.host(message, loaded, bytes.length, fromCache, t0);
  }

  /** Host a loaded session as the deployed slice: link to the next node, then report it deployed. */
  private async host(message: DeployMessage, modelId: string, bytes: number, fromCache: boolean, t0: number): Promise<void> {
    const hosted: HostedSlice = { deploy: message, modelId, bytes };
    if (message.downstreamPeerId === this.options.transport.localPeerId) hosted.nextIsLocal = true;
    else if (message.downstreamPeerId !== this.options.node.coordinatorLink?.remotePeerId) {
      try {
        hosted.downstream = await this.peerLink(message.downstreamPeerId);
      } catch (error) {
        // The slice loaded; the link to the next node did not open or authenticate in time (a busy
        // or briefly unreachable neighbour): keep the session for the retry and let the coordinator try again.
        await this.park(message, modelId, bytes);
        this.report({ kind: 'deploy-failed', runId: message.runId, sliceIndex: message.sliceIndex, reason: `could not reach the next node: ${(error as Error).message}`.slice(0, 400), retryable: true });
        return;
      }
    }
    this.slices.set(key(message.runId, message.sliceIndex), hosted);
    this.report({
      kind: 'deployed',
      runId: message.runId,
      sliceIndex: message.sliceIndex,
      sha256: message.sha256,
      fromCache,
      loadMs: performance.now() - t0,
    });
  }

  /** Keep a session loaded for a later deployment of its slice; unload the oldest beyond the bounds. */
  private async park(deploy: Pick<DeployMessage, 'sha256' | 'backend'>, modelId: string, bytes: number): Promise<void> {
    const parkedKey = `${deploy.sha256}|${deploy.backend}`;
    const before = this.parked.get(parkedKey);
    this.parked.delete(parkedKey);
    if (before) await this.options.runtime.unload(before.modelId).catch(() => undefined);
    this.parked.set(parkedKey, { modelId, bytes });
    let total = [...this.parked.values()].reduce((a, p) => a + p.bytes, 0);
    for (const [k, p] of this.parked) {
      if (this.parked.size <= (this.options.parkedMax ?? PARKED_MAX) && total <= PARKED_MAX_BYTES) break;
      this.parked.delete(k);
      total -= p.bytes;
      await this.options.runtime.unload(p.modelId).catch(() => undefined);
    }
  }

  /**
   * Forget the parked sessions without unloading them: the worker that held them is gone (replaced
   * after its benchmark stalled, src/ui/node-session.ts), so the next deployment of those slices
   * builds them in the new one. Says how many were forgotten.
   */
  forgetParked(): number {
    const n = this.parked.size;
    this.parked.clear();
    return n;
  }

  /** Unload every parked session. */
  private async unpark(): Promise<void> {
    const all = [...this.parked.values()];
    this.parked.clear();
    for (const p of all) await this.options.runtime.unload(p.modelId).catch(() => undefined);
  }

  /**
   * One link per peer, opened on first use and reused; resolves once the link authenticated (both
   * ends proved their credentials), rejects when it did not within the handshake time.
   */
  private async peerLink(peerId: string): Promise<Link> {
    const existing = this.peerLinks.get(peerId);
    if (existing) {
      const link = await existing.catch(() => undefined);
      if (link && !link.closed && this.receiver.isAuthenticated(link)) return link;
    }
    const opening = this.openPeerLink(peerId);
    this.peerLinks.set(peerId, opening);
    opening.catch(() => {
      if (this.peerLinks.get(peerId) === opening) this.peerLinks.delete(peerId);
    });
    return opening;
  }

  private async openPeerLink(peerId: string): Promise<Link> {
    const link = await this.options.transport.connect(peerId, { timeoutMs: 15_000 });
    const authenticated = new Promise<void>((resolve, reject) => this.authWaiters.set(link, { resolve, reject }));
    link.onClose((reason) => {
      this.authWaiters.get(link)?.reject(new Error(`the link to ${peerId} closed before it authenticated (${reason})`));
      this.authWaiters.delete(link);
    });
    this.attachPeer(link);
    if (this.receiver.isAuthenticated(link)) this.authWaiters.delete(link);
    else await authenticated;
    return link;
  }

  private async undeploy(keepRunId: number | null, park = true): Promise<void> {
    const dropped = new Set<number>();
    for (const [k, hosted] of this.slices) {
      if (hosted.deploy.runId === keepRunId) continue;
      this.slices.delete(k);
      dropped.add(hosted.deploy.runId);
      if (park) await this.park(hosted.deploy, hosted.modelId, hosted.bytes);
      else await this.options.runtime.unload(hosted.modelId);
    }
    for (const [k, pending] of this.pendingBytes) {
      if (pending.runId === keepRunId) continue;
      this.pendingBytes.delete(k);
      dropped.add(pending.runId);
    }
    // Half-received inputs of dropped runs will never complete: free them.
    const assemblers = [this.coordinatorAssembler?.assembler];
    for (const link of this.attached) assemblers.push(this.receiver.assemblerOf(link));
    for (const assembler of assemblers) for (const runId of dropped) assembler?.discardRun(runId);
  }

  /** Attach a peer link (inbound or outbound) to the receiver, remembering it until it closes. */
  private attachPeer(link: Link): void {
    this.attached.add(link);
    link.onClose(() => this.attached.delete(link));
    this.receiver.attach(link);
  }

  /** The coordinator link's assembler, made under the node's budget and closed with the link. */
  private coordinatorAssemblerFor(link: Link): FrameAssembler {
    if (this.coordinatorAssembler?.link === link) return this.coordinatorAssembler.assembler;
    this.coordinatorAssembler?.assembler.close();
    const assembler = new FrameAssembler({ budget: this.budget, ...this.assemblerHooks(true) });
    this.coordinatorAssembler = { link, assembler };
    link.onClose(() => {
      assembler.close();
      if (this.coordinatorAssembler?.assembler === assembler) this.coordinatorAssembler = undefined;
    });
    return assembler;
  }

  private onCoordinatorFrame(link: Link, data: ArrayBuffer): void {
    const result = this.coordinatorAssemblerFor(link).push(data);
    if (result.kind === 'rejected') {
      this.rejectedFrames++;
      return;
    }
    if (result.kind === 'frame' && result.group) this.onGroup(link, result.group);
  }

  private onGroup(link: Link, group: FrameGroup): void {
    const k = key(group.runId, group.sliceIndex);
    if (group.requestId === SLICE_BYTES_REQUEST_ID) {
      const pending = this.pendingBytes.get(k);
      const frame = group.frames[0];
      if (!pending || link !== this.options.node.coordinatorLink || !frame || frame.tensor.dtype !== 'uint8') {
        this.rejectedFrames++;
        return;
      }
      this.pendingBytes.delete(k);
      const t = frame.tensor.data as Uint8Array;
      const bytes = new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
      const t0 = performance.now();
      this.enqueue(() => this.install(pending, bytes, false, t0));
      return;
    }
    const hosted = this.slices.get(k);
    // Inputs count only from the upstream the coordinator named for this slice.
    if (!hosted || link.remotePeerId !== hosted.deploy.upstreamPeerId) {
      this.rejectedFrames++;
      return;
    }
    const feeds = decodeTensorGroup(group.frames);
    const missing = hosted.deploy.inputNames.filter((n) => !(n in feeds));
    if (missing.length) {
      this.rejectedFrames++;
      this.report({ kind: 'request-failed', runId: group.runId, requestId: group.requestId, sliceIndex: group.sliceIndex, reason: `missing inputs ${missing.join(', ')}` });
      return;
    }
    // Runs in arrival order, one at a time: the worker is single-threaded anyway.
    const arrivedMs = performance.now();
    this.queue = this.queue.then(() => this.execute(hosted, group.requestId, feeds, arrivedMs));
  }

  /** Run one slice on `feeds`, which were ready at `readyMs` (their wait is reported as queuedMs). */
  private async execute(hosted: HostedSlice, requestId: number, feeds: Record<string, TensorData>, readyMs: number): Promise<void> {
    const { runId, sliceIndex } = hosted.deploy;
    if (this.slices.get(key(runId, sliceIndex)) !== hosted) return; // undeployed meanwhile
    try {
      const queuedMs = performance.now() - readyMs;
      const result = await this.options.runtime.run(hosted.modelId, feeds);
      this.busyMsTotal += result.busyMs;
      this.executions++;
      const outputs: Record<string, TensorData> = {};
      for (const name of hosted.deploy.outputNames) {
        const t = result.outputs[name];
        if (!t) throw new Error(`slice produced no output "${name}"`);
        outputs[name] = t;
      }
      // An audited request: a copy of this slice's outputs for the coordinator (the last slice's
      // outputs go there anyway).
      const tapped = this.taps.has(requestId) && (hosted.nextIsLocal || hosted.downstream !== undefined);
      if (tapped && this.options.node.coordinatorLink) await sendChunks(this.options.node.coordinatorLink, encodeTensorGroup({ runId, requestId, sliceIndex }, outputs));
      if (hosted.nextIsLocal) {
        const next = this.slices.get(key(runId, sliceIndex + 1));
        if (!next) throw new Error(`next slice ${sliceIndex + 1} is not deployed here`);
        this.report({ kind: 'executed', runId, requestId, sliceIndex, busyMs: result.busyMs, wallMs: result.wallMs, outputBytes: 0, queuedMs });
        const handedMs = performance.now();
        this.queue = this.queue.then(() => this.execute(next, requestId, outputs, handedMs));
        return;
      }
      // Frames to the next slice carry its index; final outputs carry this slice's index.
      const nextSlice = hosted.downstream ? sliceIndex + 1 : sliceIndex;
      const messages = encodeTensorGroup({ runId, requestId, sliceIndex: nextSlice }, outputs);
      const link = hosted.downstream ?? this.options.node.coordinatorLink;
      if (!link) throw new Error('no link to send the outputs on');
      await sendChunks(link, messages);
      this.report({ kind: 'executed', runId, requestId, sliceIndex, busyMs: result.busyMs, wallMs: result.wallMs, outputBytes: tensorBytes(outputs), queuedMs });
    } catch (error) {
      this.report({ kind: 'request-failed', runId, requestId, sliceIndex, reason: `${(error as Error).message}`.slice(0, 400) });
    }
  }
}
