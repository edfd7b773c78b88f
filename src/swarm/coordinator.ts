/**
 * The coordinator's view of its swarm: admits nodes (join token + protocol version), tracks their
 * benchmark and liveness, and drops those that leave or go silent. Transport-agnostic: the page
 * gives it a PeerJS transport, tests an in-memory one.
 *
 * Identity (issue 13, finding 7): the coordinator holds a signing key (the page keeps it with the
 * room in sessionStorage, so a reload keeps it); the join URL carries its {@link Coordinator.fingerprint}.
 * The welcome is signed over the node's fresh nonce, every later command is signed and numbered
 * (src/trust/sessions.ts), and each deploy carries the node's link credential for the run.
 */
import { PROTOCOL_VERSION, ProtocolError, encodeMessage, parseNodeMessage } from '../protocol/messages';
import { isProbePayload } from '../cost/link-probe';
import type { BenchmarkReport, CoordinatorMessage, JoinMessage, NodeIdentity } from '../protocol/messages';
import type { ProfileMessage, RunNodeMessage } from '../protocol/run-messages';
import type { JoinToken, NodeId, RoomId } from '../protocol/ids';
import type { WireLinkCredential } from '../protocol/run-messages';
import { generateKeyPair, type KeyPair } from '../trust/identity';
import { CoordinatorIdentity } from '../trust/sessions';
import type { Link, LinkPayload, Transport } from '../mesh/transport';
import { Listeners } from '../util/listeners';
import { isTenantHello } from '../protocol/tenant-messages';

/** Lifecycle of a node as the coordinator sees it. */
export const NODE_STATES = ['joining', 'benchmarking', 'ready', 'gone'] as const;
/** One of {@link NODE_STATES}. */
export type NodeState = (typeof NODE_STATES)[number];

/** What the coordinator knows about one node. */
export interface NodeRecord extends NodeIdentity {
  readonly nodeId: NodeId;
  readonly state: NodeState;
  readonly benchmark?: BenchmarkReport;
  /** Carbon profile (intensity, power, slowdown) as the node last reported it. */
  readonly profile?: Omit<ProfileMessage, 'kind'>;
  /** Busy fraction from the last heartbeat. */
  readonly load: number;
  /** Local clock of the last message, ms. */
  readonly lastSeenMs: number;
  /** Why the node is gone. */
  readonly goneReason?: string;
  /**
   * The machine the signaling server saw this node connect from ({@link CoordinatorOptions.hostsOf}):
   * {@link COORDINATOR_MACHINE} for the coordinator's own, else an id shared by the nodes of one
   * other machine; undefined while unknown (src/swarm/plan-inputs.ts groups nodes by it).
   */
  readonly machine?: string;
}

/** {@link NodeRecord.machine} of a node on the coordinator's own machine. */
export const COORDINATOR_MACHINE = 'coordinator';

/**
 * Asks the signaling server which of `peerIds` connect from which machine (GET /api/hosts,
 * signaling/hosts.ts): peer id -> tag, equal tags for one machine, peers without a tag left out.
 */
export type HostLookup = (peerIds: readonly string[]) => Promise<Readonly<Record<string, string>>>;
/** Whether a host lookup's answer for one peer is a tag to believe: a string of 1-64 characters. */
export const isHostTag = (tag: unknown): tag is string => typeof tag === 'string' && tag.length > 0 && tag.length <= 64;
/** Most peer ids one {@link HostLookup} call names (the server's limit, signaling/hosts.ts). */
export const HOST_LOOKUP_MAX_PEERS = 64;

/** Tunables (defaults suit a LAN). */
export interface CoordinatorOptions {
  readonly transport: Transport;
  /** The room (the welcome, commands and link credentials are bound to it). */
  readonly room: RoomId;
  readonly token: JoinToken;
  /** The coordinator's signing key: keep it with the room so a reload keeps it (default: a fresh one). */
  readonly key?: KeyPair;
  readonly heartbeatIntervalMs?: number;
  /** Silence after which a node is declared gone. */
  readonly heartbeatTimeoutMs?: number;
  /** How long a new link may take to send its join. */
  readonly joinTimeoutMs?: number;
  /** How long a gone node stays visible before it leaves the table. */
  readonly goneLingerMs?: number;
  readonly now?: () => number;
  /**
   * Where to learn which nodes share a machine (the page: the server's /api/hosts). Without it
   * (tests, static hosting) only simulated nodes are known to share one.
   */
  readonly hostsOf?: HostLookup;
  /**
   * Logical cores of the coordinator's machine (navigator.hardwareConcurrency): a node the server
   * saw on that machine joins it only when it reports as many (a NAT in the LAN shares an address).
   */
  readonly hardwareConcurrency?: number;
}

/** A random start for deployment ids in [1, 2^31). */
function randomRunIdBase(): number {
  const word = new Uint32Array(1);
  crypto.getRandomValues(word);
  return (word[0]! % 0x7fff0000) + 1;
}

interface Entry {
  record: NodeRecord;
  link: Link;
}

/** Admits and tracks nodes; emits `change` whenever the table changes. */
export class Coordinator {
  private readonly entries = new Map<NodeId, Entry>();
  private readonly changes = new Listeners<[]>();
  private readonly drops = new Listeners<[string]>();
  private readonly runMessages = new Listeners<[NodeId, RunNodeMessage]>();
  private readonly binaries = new Listeners<[NodeId, ArrayBuffer]>();
  private readonly now: () => number;
  private unsubscribe: (() => void) | undefined;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  /** Inbound messages dropped at the boundary (malformed, unexpected, unauthenticated). */
  droppedMessages = 0;
  /** Links refused (wrong token, wrong version, no join). */
  rejectedLinks = 0;
  /** Deployment ids handed out by {@link allocateRunId}, to tell late reports of earlier runs from strays. */
  private readonly issuedRunIds = new Set<number>();
  private nextRunId = randomRunIdBase();
  private readonly identity: CoordinatorIdentity;
  /** Where links that open with a tenant hello go (src/swarm/tenant-desk.ts); none: they are refused as nodes. */
  private tenantHandler: ((link: Link, first: string) => void) | undefined;

  constructor(private readonly options: CoordinatorOptions) {
    this.now = options.now ?? (() => Date.now());
    this.identity = new CoordinatorIdentity(options.room, options.key ?? generateKeyPair());
  }

  /** Fingerprint of this coordinator's public key: the join URL's `fp` parameter. */
  get fingerprint(): string {
    return this.identity.fingerprint;
  }

  /**
   * The link credential of a node for a deployment (send it with each deploy): the node proves
   * with it, to the nodes it exchanges tensors with, that it takes part in this run. Undefined
   * when the node is not admitted or sent no key.
   */
  linkCredential(nodeId: NodeId, runId: number): WireLinkCredential | undefined {
    if (!this.linkOf(nodeId)) return undefined;
    return this.identity.credential(nodeId, nodeId, runId, Date.now());
  }

  private get heartbeatIntervalMs() {
    return this.options.heartbeatIntervalMs ?? 1000;
  }

  /** Start accepting links. Idempotent. */
  start(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.options.transport.onLink((link) => this.admit(link));
    this.lastSweepMs = this.now();
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(100, this.heartbeatIntervalMs / 2));
  }

  /** Stop: close every link. Idempotent. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const entry of this.entries.values()) entry.link.close();
    this.entries.clear();
  }

  /** This coordinator's own peer id (upstream of first slices, downstream of last ones). */
  get peerId(): string {
    return this.options.transport.localPeerId;
  }

  /** Current nodes, oldest first. */
  nodes(): NodeRecord[] {
    return [...this.entries.values()].map((e) => e.record);
  }

  /**
   * Route links whose first message is a `tenant-hello` to `handler` (the tenant desk, issue 15)
   * instead of node admission. Returns the function that stops routing.
   */
  routeTenants(handler: (link: Link, first: string) => void): () => void {
    this.tenantHandler = handler;
    return () => {
      if (this.tenantHandler === handler) this.tenantHandler = undefined;
    };
  }

  /** Subscribe to table changes. */
  onChange(fn: () => void): () => void {
    return this.changes.add(fn);
  }

  /** Subscribe to dropped messages (with the reason). */
  onDrop(fn: (reason: string) => void): () => void {
    return this.drops.add(fn);
  }

  /** Subscribe to run-plane messages from admitted nodes. */
  onRunMessage(fn: (nodeId: NodeId, message: RunNodeMessage) => void): () => void {
    return this.runMessages.add(fn);
  }

  /** Subscribe to binary messages (tensor frames) from admitted nodes. */
  onBinary(fn: (nodeId: NodeId, data: ArrayBuffer) => void): () => void {
    return this.binaries.add(fn);
  }

  /** Send a control message to a node, signed for its session; false when it is gone. */
  send(nodeId: NodeId, message: CoordinatorMessage): boolean {
    const link = this.linkOf(nodeId);
    if (!link || link.closed) return false;
    link.send(JSON.stringify(this.identity.sign(nodeId, encodeMessage(message))));
    return true;
  }

  /**
   * A fresh deployment id, unique in this coordinator (and, from a random base, unlikely to meet
   * the ids of a previous coordinator of the same room that nodes may still remember).
   */
  allocateRunId(): number {
    const id = this.nextRunId;
    this.nextRunId = this.nextRunId >= 0xfffffff0 ? 1 : this.nextRunId + 1;
    this.issuedRunIds.add(id);
    return id;
  }

  /** Whether `runId` was handed out by this coordinator (a report about it is late, not forged). */
  issuedRunId(runId: number): boolean {
    return this.issuedRunIds.has(runId);
  }

  /** Count a message dropped by a part built on the coordinator (e.g. a bad frame). */
  countDrop(reason: string): void {
    this.drop(reason);
  }

  /** The link to a node, for later commands. */
  linkOf(nodeId: NodeId): Link | undefined {
    const entry = this.entries.get(nodeId);
    return entry && entry.record.state !== 'gone' ? entry.link : undefined;
  }

  private drop(reason: string): void {
    this.droppedMessages++;
    this.drops.emit(reason);
  }

  private admit(link: Link): void {
    const timer = setTimeout(() => refuse('no join message within the time allowed'), this.options.joinTimeoutMs ?? 10_000);
    const refuse = (reason: string) => {
      clearTimeout(timer);
      this.rejectedLinks++;
      off();
      if (!link.closed) {
        link.send(encodeMessage({ kind: 'reject', reason }));
        // Give the reject a moment to leave before closing.
        setTimeout(() => link.close(), 500);
      }
    };
    const off = link.onMessage((payload) => {
      const tenants = this.tenantHandler;
      if (tenants && isTenantHello(payload)) {
        clearTimeout(timer);
        off();
        tenants(link, payload as string);
        return;
      }
      let message;
      try {
        message = parseNodeMessage(payload);
      } catch (error) {
        this.drop(error instanceof ProtocolError ? error.message : String(error));
        return;
      }
      if (message.kind !== 'join') {
        this.drop(`"${message.kind}" before join`);
        return;
      }
      if (message.protocolVersion !== PROTOCOL_VERSION) {
        refuse(`protocol version ${message.protocolVersion} is not supported: this coordinator speaks version ${PROTOCOL_VERSION}. Reload the join page.`);
        return;
      }
      if (message.token !== this.options.token) {
        refuse('wrong join token: open the join link or QR code shown by the coordinator');
        return;
      }
      if (!message.nonce) {
        refuse('this node page cannot verify the coordinator (its join carries no nonce): reload the join page');
        return;
      }
      clearTimeout(timer);
      off();
      this.accept(link, message);
    });
    link.onClose(() => clearTimeout(timer));
  }

  private accept(link: Link, join: JoinMessage): void {
    const nodeId = link.remotePeerId as NodeId;
    const previous = this.entries.get(nodeId);
    // Mark the previous entry gone first: its close must not forget the new session below.
    if (previous) previous.record = { ...previous.record, state: 'gone', goneReason: 'joined again' };
    previous?.link.close();
    const record: NodeRecord = {
      nodeId,
      name: join.name.trim() || 'unnamed node',
      deviceClass: join.deviceClass,
      hardwareConcurrency: join.hardwareConcurrency,
      deviceMemoryGb: join.deviceMemoryGb,
      webgpu: join.webgpu,
      simulated: join.simulated,
      state: 'benchmarking',
      load: 0,
      lastSeenMs: this.now(),
    };
    const entry: Entry = { record, link };
    this.entries.set(nodeId, entry);
    link.onMessage((payload) => this.onNodeMessage(entry, payload));
    link.onClose((reason) => this.markGone(entry, `connection closed (${reason})`));
    const proof = this.identity.welcome(join, nodeId, PROTOCOL_VERSION, this.heartbeatIntervalMs);
    const welcome: CoordinatorMessage = {
      kind: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      nodeId,
      heartbeatIntervalMs: this.heartbeatIntervalMs,
      ...proof,
    };
    link.send(encodeMessage(welcome));
    this.changes.emit();
    this.lookUpMachines();
  }

  /** Why the last lookup of the nodes' machines failed (undefined after one that worked). */
  machineLookupError: string | undefined;
  private machinesRunning = false;
  private machinesAgain = false;

  /** Learn the machine of each node that has none yet ({@link CoordinatorOptions.hostsOf}); one lookup at a time. */
  private lookUpMachines(): void {
    if (!this.options.hostsOf) return;
    if (this.machinesRunning) {
      this.machinesAgain = true;
      return;
    }
    this.machinesRunning = true;
    void this.machinesOnce().finally(() => {
      this.machinesRunning = false;
      if (!this.machinesAgain) return;
      this.machinesAgain = false;
      this.lookUpMachines();
    });
  }

  /**
   * One lookup: the coordinator's own id with each chunk of unknown nodes. Nodes with the
   * coordinator's tag (and its core count, when known) are on its machine; other tags name a
   * machine with the node's core count and device class (one machine reports one of each). A
   * failed lookup leaves the nodes unknown: they are planned with a processor each, as before.
   */
  private async machinesOnce(): Promise<void> {
    const unknown = [...this.entries.values()].filter((e) => e.record.state !== 'gone' && e.record.machine === undefined);
    for (let i = 0; i < unknown.length; i += HOST_LOOKUP_MAX_PEERS - 1) {
      const chunk = unknown.slice(i, i + HOST_LOOKUP_MAX_PEERS - 1);
      let tags: Readonly<Record<string, string>>;
      try {
        tags = await this.options.hostsOf!([this.peerId, ...chunk.map((e) => e.record.nodeId)]);
      } catch (error) {
        this.machineLookupError = error instanceof Error ? error.message : String(error);
        return;
      }
      this.machineLookupError = undefined;
      const tagOf = (id: string) => {
        const tag: unknown = Object.hasOwn(tags, id) ? tags[id] : undefined;
        return isHostTag(tag) ? tag : undefined;
      };
      const mine = tagOf(this.peerId);
      const cores = this.options.hardwareConcurrency;
      for (const entry of chunk) {
        const tag = tagOf(entry.record.nodeId);
        if (tag === undefined || this.entries.get(entry.record.nodeId) !== entry || entry.record.state === 'gone') continue;
        const { hardwareConcurrency, deviceClass } = entry.record;
        const machine = tag === mine && (cores === undefined || hardwareConcurrency === cores) ? COORDINATOR_MACHINE : `${tag}/${hardwareConcurrency}/${deviceClass}`;
        this.update(entry, { machine });
      }
    }
  }

  private update(entry: Entry, patch: Partial<NodeRecord>): void {
    entry.record = { ...entry.record, ...patch };
    this.changes.emit();
  }

  private onNodeMessage(entry: Entry, payload: LinkPayload): void {
    if (entry.record.state === 'gone') return;
    // Answers to the coordinator's link probe go to the prober (link-prober.ts), which reads them itself.
    if (isProbePayload(payload)) return;
    if (typeof payload !== 'string') {
      this.binaries.emit(entry.record.nodeId, payload);
      return;
    }
    let message;
    try {
      message = parseNodeMessage(payload);
    } catch (error) {
      this.drop(error instanceof ProtocolError ? error.message : String(error));
      return;
    }
    const lastSeenMs = this.now();
    switch (message.kind) {
      case 'join':
        this.drop('second join on one link');
        return;
      case 'benchmark':
        this.update(entry, { benchmark: message.report, state: 'ready', lastSeenMs });
        return;
      case 'heartbeat':
        this.update(entry, { load: message.load, lastSeenMs });
        return;
      case 'leave':
        this.markGone(entry, `left: ${message.reason}`);
        entry.link.close();
        return;
      case 'profile': {
        const { kind: _kind, ...profile } = message;
        this.update(entry, { profile, lastSeenMs });
        this.runMessages.emit(entry.record.nodeId, message);
        return;
      }
      default:
        entry.record = { ...entry.record, lastSeenMs };
        this.runMessages.emit(entry.record.nodeId, message);
    }
  }

  private markGone(entry: Entry, reason: string): void {
    if (entry.record.state === 'gone') return;
    if (this.entries.get(entry.record.nodeId) === entry) this.identity.forget(entry.record.nodeId);
    this.update(entry, { state: 'gone', goneReason: reason, lastSeenMs: this.now() });
  }

  private lastSweepMs: number | undefined;

  private sweep(): void {
    const now = this.now();
    // If this tab itself stalled (a long task, a throttled timer), the silence is ours, not the
    // nodes': their heartbeats may still be queued. Give everyone a fresh grace period.
    const stalled = this.lastSweepMs !== undefined && now - this.lastSweepMs > 2 * this.heartbeatIntervalMs;
    this.lastSweepMs = now;
    if (stalled) {
      for (const entry of this.entries.values()) if (entry.record.state !== 'gone') entry.record = { ...entry.record, lastSeenMs: now };
      return;
    }
    const timeout = this.options.heartbeatTimeoutMs ?? 4 * this.heartbeatIntervalMs;
    const linger = this.options.goneLingerMs ?? 3000;
    for (const [id, entry] of this.entries) {
      const { state, lastSeenMs } = entry.record;
      if (state !== 'gone' && now - lastSeenMs > timeout) {
        this.markGone(entry, `silent for ${now - lastSeenMs} ms`);
        entry.link.close();
      } else if (state === 'gone' && now - lastSeenMs > linger) {
        this.entries.delete(id);
        this.changes.emit();
      }
    }
  }
}
