/**
 * An edge node's side of the control protocol: join the room's coordinator with the token, run the
 * self-benchmark when welcomed, report it, heartbeat, leave. Only the link this node opened to the
 * room's coordinator may command it; anything else is dropped and counted.
 *
 * When the coordinator goes away (its tab reloads, the connection drops, this tab slept) the node
 * rejoins the room by itself: it retries every few seconds for `rejoinForMs`, and once welcomed
 * again it reports the benchmark it already has instead of measuring again.
 *
 * Identity (issue 13, finding 7): the join URL's `fp` names the coordinator's key. Every join
 * attempt carries a fresh nonce; the node obeys nothing before a welcome signed over that nonce by
 * a key with that fingerprint, and afterwards only signed, numbered commands of that session
 * (replays refused). A page that takes over `carbonedge-ROOM` gets nothing obeyed: the node closes
 * the link, says why, and keeps trying to rejoin the real coordinator.
 */
import { PROTOCOL_VERSION, ProtocolError, encodeMessage, parseCoordinatorMessage } from '../protocol/messages';
import { answerLinkProbe, isProbePayload } from '../cost/link-probe';
import type { BenchmarkReport, NodeIdentity, NodeMessage } from '../protocol/messages';
import type { RunCoordinatorMessage } from '../protocol/run-messages';
import { coordinatorPeerId, type JoinToken, type NodeId, type RoomId } from '../protocol/ids';
import { PeerUnavailableError, type Link, type Transport } from '../mesh/transport';
import { Listeners } from '../util/listeners';
import { generateKeyPair, parseFingerprint, type KeyPair } from '../trust/identity';
import { NodeHandshake } from '../trust/sessions';
import { isLinkAuthMessage } from '../trust/link-auth';

/** Lifecycle of the node page. */
export type EdgeNodeState = 'connecting' | 'joining' | 'benchmarking' | 'ready' | 'rejoining' | 'rejected' | 'error' | 'left';

/** Who this node says it is (the join message's identity fields). */
export type { NodeIdentity } from '../protocol/messages';

/** Options of {@link EdgeNode}. */
export interface EdgeNodeOptions {
  readonly transport: Transport;
  readonly room: RoomId;
  readonly token: JoinToken;
  readonly identity: NodeIdentity;
  /** The join URL's `fp`: fingerprint of the coordinator's key. Without a valid one the node refuses to join. */
  readonly coordinatorFingerprint: string | null | undefined;
  /** This page's key for its link credentials (default: a fresh one per EdgeNode). */
  readonly nodeKey?: KeyPair;
  /** Runs the self-benchmark (in a worker, on a page). */
  readonly runBenchmark: () => Promise<BenchmarkReport>;
  /** Current busy fraction 0..1 for heartbeats. */
  readonly load?: () => number;
  /** Sent as protocolVersion (tests override it to check rejection). */
  readonly protocolVersion?: number;
  readonly welcomeTimeoutMs?: number;
  /** After losing the coordinator, keep trying to rejoin for this long (default 15 min). */
  readonly rejoinForMs?: number;
  /** Pause between rejoin attempts, ms (default 2 s, growing to 5 s). */
  readonly rejoinDelayMs?: number;
}

/** Prefix of a join outcome where the other end was refused as coordinator. */
const REFUSED = 'refused: ';

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
  /** Welcomes received: 1 after the first join, +1 per rejoin. */
  welcomes = 0;
  /** Coordinator commands refused (unsigned, forged, replayed, reordered). */
  refusedCommands = 0;
  /** Coordinators refused at the welcome (wrong key, bad signature, unsigned). */
  refusedCoordinators = 0;
  /** Why the last command or coordinator was refused. */
  lastRefusal: string | undefined;
  /** This page's key (its public half is in the join and in its link credentials). */
  readonly nodeKey: KeyPair;
  /** The handshake of the current join attempt. */
  private handshake: NodeHandshake | undefined;

  constructor(private readonly options: EdgeNodeOptions) {
    this.nodeKey = options.nodeKey ?? generateKeyPair();
  }

  /** The coordinator's verified public key once welcomed (for link authentication), else undefined. */
  get coordinatorKey(): Uint8Array | undefined {
    return this.nodeId ? this.handshake?.coordinatorKey : undefined;
  }

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
        // The link handshake (node-executor.ts) is theirs; any other text is not for us.
        if (typeof payload === 'string' && !isLinkAuthMessage(payload)) this.droppedMessages++;
      });
    });
    const outcome = await this.join(signal);
    if (outcome.startsWith(REFUSED)) void this.rejoin(outcome.slice(REFUSED.length));
    else if (outcome !== 'joined' && outcome !== 'settled') this.set('error', outcome);
  }

  /**
   * One attempt: open a link to the coordinator, send join, wait for welcome or reject. Returns
   * 'joined', 'settled' (rejected or timed out: state already says so), or why the link failed.
   */
  private async join(signal?: AbortSignal): Promise<'joined' | 'settled' | string> {
    let link: Link;
    try {
      link = await this.options.transport.connect(coordinatorPeerId(this.options.room), { signal, timeoutMs: 15_000 });
    } catch (error) {
      return error instanceof PeerUnavailableError
        ? `room "${this.options.room}" does not exist or its coordinator has closed`
        : `could not reach the coordinator: ${(error as Error).message}`;
    }
    if (this.state === 'left') {
      link.close();
      return 'settled';
    }
    // Checked once the room proved to exist (an unknown room says so first); nothing is sent.
    if (parseFingerprint(this.options.coordinatorFingerprint) === undefined) {
      link.close();
      this.set('error', 'This join link has no valid coordinator fingerprint (fp), so this page cannot tell the real coordinator from an impostor. Open the join link or QR code the coordinator shows now.');
      return 'settled';
    }
    this.link = link;
    this.nodeId = undefined;
    const handshake = new NodeHandshake(this.options.room, this.options.coordinatorFingerprint, this.nodeKey);
    this.handshake = handshake;
    this.set('joining');
    link.onClose((reason) => {
      if (this.link !== link) return;
      this.stopHeartbeat();
      this.link = undefined;
      if (this.state !== 'rejected' && this.state !== 'left' && this.state !== 'error') void this.rejoin(`lost the coordinator (${reason})`);
    });
    let outcome: string = 'settled';
    const welcomed = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (this.link === link) {
          this.link = undefined;
          link.close();
          this.set('error', 'the coordinator did not answer the join');
        }
        resolve();
      }, this.options.welcomeTimeoutMs ?? 10_000);
      link.onMessage((payload) => {
        // The coordinator's link probe (src/cost/link-probe.ts) has its own answerer, set up once welcomed.
        if (isProbePayload(payload)) return;
        if (typeof payload !== 'string') {
          if (this.nodeId) this.binaries.emit(payload);
          return;
        }
        if (this.link !== link) return;
        const done = this.onControl(payload, handshake);
        if (done) {
          clearTimeout(timer);
          if (typeof done === 'string') {
            // Not our coordinator (or not verifiable): obey nothing, drop the link, keep trying.
            this.refusedCoordinators++;
            this.lastRefusal = done;
            this.link = undefined;
            link.close();
            outcome = `${REFUSED}${done}`;
          } else outcome = this.state === 'rejected' ? 'settled' : 'joined';
          // Only the verified coordinator may measure this link (link-prober.ts).
          if (outcome === 'joined') answerLinkProbe(link);
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
      ...handshake.joinFields(),
    });
    await welcomed;
    return outcome;
  }

  private rejoining = false;

  /** Try to join again until welcomed, rejected, stopped, or `rejoinForMs` passed. */
  private async rejoin(why: string): Promise<void> {
    if (this.rejoining) return;
    this.rejoining = true;
    const until = Date.now() + (this.options.rejoinForMs ?? 15 * 60_000);
    let delay = this.options.rejoinDelayMs ?? 2000;
    try {
      this.set('rejoining', `${why}: rejoining the room...`);
      while ((this.state as EdgeNodeState) !== 'left') {
        await new Promise((r) => setTimeout(r, delay));
        if ((this.state as EdgeNodeState) === 'left') return;
        const outcome = await this.join();
        if (outcome === 'joined' || this.state === 'rejected' || (this.state as EdgeNodeState) === 'left') return;
        if (Date.now() > until) {
          this.set('error', `${why}; gave up rejoining after ${Math.round((this.options.rejoinForMs ?? 15 * 60_000) / 60_000)} min. Reload the page to try again.`);
          return;
        }
        this.set('rejoining', `${why}: rejoining the room... (${outcome === 'settled' ? 'no answer yet' : outcome.startsWith(REFUSED) ? outcome.slice(REFUSED.length) : outcome})`);
        delay = Math.min(5000, delay * 1.5);
      }
    } finally {
      this.rejoining = false;
    }
  }

  /**
   * Handle a control message: true when the join handshake settled, a reason (text) when the
   * other end proved not to be our coordinator, false otherwise. Before the welcome only a welcome
   * or a reject is read; after it, only signed commands of this session.
   */
  private onControl(payload: string, handshake: NodeHandshake): boolean | string {
    let message;
    try {
      if (this.nodeId) {
        const opened = handshake.openCommand(payload);
        if (!opened.ok) {
          this.refusedCommands++;
          this.lastRefusal = `refused a command: ${opened.reason}`;
          this.droppedMessages++;
          return false;
        }
        message = parseCoordinatorMessage(opened.body);
      } else message = parseCoordinatorMessage(payload);
    } catch (error) {
      if (error instanceof ProtocolError) this.droppedMessages++;
      else throw error;
      return false;
    }
    if (this.nodeId && (message.kind === 'welcome' || message.kind === 'reject')) {
      this.droppedMessages++; // the handshake is over on this link
      return false;
    }
    switch (message.kind) {
      case 'welcome': {
        const verdict = handshake.acceptWelcome(message);
        if (!verdict.ok) return `refused the coordinator: ${verdict.reason}`;
        this.nodeId = message.nodeId;
        this.welcomes++;
        this.startHeartbeat(message.heartbeatIntervalMs);
        if (this.benchmark) {
          // Rejoined: the figure measured before still holds.
          this.send({ kind: 'benchmark', report: this.benchmark });
          this.set('ready');
        } else {
          void this.benchmarkAndReport();
        }
        return true;
      }
      case 'reject':
        // A reject is not signed: after this page was once welcomed by the real coordinator, a
        // reject may come from an impostor holding the room's id, so it does not stop the rejoining.
        if (this.welcomes > 0) return `refused the coordinator: an unverified reject (${message.reason})`;
        this.set('rejected', message.reason);
        this.stopHeartbeat();
        return true;
      case 'benchmark-request':
        if (this.state === 'ready') void this.benchmarkAndReport();
        return false;
      default:
        // Run-plane commands are honoured only once welcomed (and, above, only signed).
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
    const link = this.link;
    this.link = undefined;
    this.set('left');
    link?.close();
  }
}
