/**
 * An edge node's side of the control protocol: join the room's coordinator with the token, run the
 * self-benchmark when welcomed, report it, heartbeat, leave. Only the link this node opened to the
 * room's coordinator may command it; anything else is dropped and counted.
 */
import { PROTOCOL_VERSION, ProtocolError, encodeMessage, parseCoordinatorMessage } from '../protocol/messages';
import type { BenchmarkReport, NodeIdentity, NodeMessage } from '../protocol/messages';
import type { RunCoordinatorMessage } from '../protocol/run-messages';
import { coordinatorPeerId, type JoinToken, type NodeId, type RoomId } from '../protocol/ids';
import { PeerUnavailableError, type Link, type Transport } from '../mesh/transport';
import { Listeners } from '../util/listeners';

/** Lifecycle of the node page. */
export type EdgeNodeState = 'connecting' | 'joining' | 'benchmarking' | 'ready' | 'rejected' | 'error' | 'left';

/** Who this node says it is (the join message's identity fields). */
export type { NodeIdentity } from '../protocol/messages';

/** Options of {@link EdgeNode}. */
export interface EdgeNodeOptions {
  readonly transport: Transport;
  readonly room: RoomId;
  readonly token: JoinToken;
  readonly identity: NodeIdentity;
  /** Runs the self-benchmark (in a worker, on a page). */
  readonly runBenchmark: () => Promise<BenchmarkReport>;
  /** Current busy fraction 0..1 for heartbeats. */
  readonly load?: () => number;
  /** Sent as protocolVersion (tests override it to check rejection). */
  readonly protocolVersion?: number;
  readonly welcomeTimeoutMs?: number;
}

/** The node's state machine. */
export class EdgeNode {
  private readonly changes = new Listeners<[]>();
  private readonly commands = new Listeners<[RunCoordinatorMessage]>();
  private readonly binaries = new Listeners<[ArrayBuffer]>();
  private link: Link | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private offLinks: (() => void) | undefined;
  state: EdgeNodeState = 'connecting';
  /** Human-readable reason when rejected or in error. */
  error: string | undefined;
  nodeId: NodeId | undefined;
  benchmark: BenchmarkReport | undefined;
  /** Control messages dropped (malformed, or from a peer that is not our coordinator). */
  droppedMessages = 0;

  constructor(private readonly options: EdgeNodeOptions) {}

  /** Subscribe to state changes. */
  onChange(fn: () => void): () => void {
    return this.changes.add(fn);
  }

  /** Subscribe to run-plane commands from the coordinator (and only from it). */
  onCommand(fn: (message: RunCoordinatorMessage) => void): () => void {
    return this.commands.add(fn);
  }

  /** Subscribe to binary messages (tensor frames, slice bytes) from the coordinator. */
  onBinary(fn: (data: ArrayBuffer) => void): () => void {
    return this.binaries.add(fn);
  }

  /** The link to the coordinator once joined. */
  get coordinatorLink(): Link | undefined {
    return this.link;
  }

  /** Send a control message to the coordinator (dropped silently when not connected). */
  sendToCoordinator(message: NodeMessage): void {
    this.send(message);
  }

  private set(state: EdgeNodeState, error?: string): void {
    this.state = state;
    this.error = error;
    this.changes.emit();
  }

  /** Join the room. Resolves when welcomed (or settles in rejected/error state). Idempotent. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.link || this.state !== 'connecting') return;
    // Other peers may open links to us later (tensor hops); they never carry control.
    this.offLinks = this.options.transport.onLink((link) => {
      link.onMessage((payload) => {
        if (typeof payload === 'string') this.droppedMessages++;
      });
    });
    let link: Link;
    try {
      link = await this.options.transport.connect(coordinatorPeerId(this.options.room), { signal, timeoutMs: 15_000 });
    } catch (error) {
      this.set(
        'error',
        error instanceof PeerUnavailableError
          ? `room "${this.options.room}" does not exist or its coordinator has closed`
          : `could not reach the coordinator: ${(error as Error).message}`,
      );
      return;
    }
    this.link = link;
    this.set('joining');
    link.onClose((reason) => {
      this.stopHeartbeat();
      if (this.state !== 'rejected' && this.state !== 'left') this.set('error', `lost the coordinator (${reason})`);
    });
    const welcomed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.set('error', 'the coordinator did not answer the join');
        resolve();
      }, this.options.welcomeTimeoutMs ?? 10_000);
      link.onMessage((payload) => {
        if (typeof payload !== 'string') {
          if (this.nodeId) this.binaries.emit(payload);
          return;
        }
        const done = this.onControl(payload);
        if (done) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const { identity } = this.options;
    this.send({
      kind: 'join',
      protocolVersion: this.options.protocolVersion ?? PROTOCOL_VERSION,
      token: this.options.token,
      ...identity,
      name: identity.name.slice(0, 64),
    });
    await welcomed;
  }

  /** Handle a control message; true when the join handshake settled. */
  private onControl(payload: unknown): boolean {
    let message;
    try {
      message = parseCoordinatorMessage(payload);
    } catch (error) {
      if (error instanceof ProtocolError) this.droppedMessages++;
      else throw error;
      return false;
    }
    switch (message.kind) {
      case 'welcome':
        if (this.nodeId) return false;
        this.nodeId = message.nodeId;
        this.startHeartbeat(message.heartbeatIntervalMs);
        void this.benchmarkAndReport();
        return true;
      case 'reject':
        this.set('rejected', message.reason);
        this.stopHeartbeat();
        return true;
      case 'benchmark-request':
        if (this.state === 'ready') void this.benchmarkAndReport();
        return false;
      default:
        // Run-plane commands are honoured only once welcomed.
        if (this.nodeId) this.commands.emit(message);
        else this.droppedMessages++;
        return false;
    }
  }

  private async benchmarkAndReport(): Promise<void> {
    this.set('benchmarking');
    try {
      this.benchmark = await this.options.runBenchmark();
      this.send({ kind: 'benchmark', report: this.benchmark });
      this.set('ready');
    } catch (error) {
      this.set('error', `self-benchmark failed: ${(error as Error).message}`);
    }
  }

  private startHeartbeat(intervalMs: number): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      const load = Math.min(1, Math.max(0, this.options.load?.() ?? 0));
      this.send({ kind: 'heartbeat', sentAtMs: Date.now(), load: Number.isFinite(load) ? load : 0 });
    }, intervalMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private send(message: NodeMessage): void {
    if (this.link && !this.link.closed) this.link.send(encodeMessage(message));
  }

  /** Leave on purpose (tab closing, user action). Idempotent. */
  stop(reason = 'left'): void {
    if (this.state === 'left') return;
    this.send({ kind: 'leave', reason });
    this.stopHeartbeat();
    this.offLinks?.();
    this.link?.close();
    this.set('left');
  }
}
