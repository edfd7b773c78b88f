/**
 * In-memory links for tests: a {@link MemoryNetwork} hands out transports whose links deliver
 * messages asynchronously and in order. Fault injection (delay, reorder across links, drop,
 * disconnect) builds on this: see fault-network.ts.
 */
import { Listeners } from '../util/listeners';
import { LinkBase } from './link-base';
import {
  PeerIdTakenError,
  PeerUnavailableError,
  SignalingError,
  type Link,
  type LinkPayload,
  type Transport,
} from './transport';

/** @internal What {@link MemoryNetwork.carry} moves across a link. */
export type CarriedEvent = { readonly kind: 'message'; readonly bytes: number } | { readonly kind: 'close' };

/** @internal The two ends of an in-memory link. */
export interface MemoryLinkEnds {
  /** The sending side. */
  readonly localPeerId: string;
  /** The receiving side. */
  readonly remotePeerId: string;
}

class MemoryLink extends LinkBase {
  peer: MemoryLink | undefined;
  private pending = 0;

  constructor(
    readonly localPeerId: string,
    readonly remotePeerId: string,
    private readonly network: MemoryNetwork,
  ) {
    super();
  }

  get bufferedAmount(): number {
    return this.pending;
  }

  send(payload: LinkPayload): void {
    this.checkSend(payload);
    const size = typeof payload === 'string' ? payload.length : payload.byteLength;
    this.pending += size;
    // Copy binary payloads: a real channel never shares memory between peers.
    const copy = typeof payload === 'string' ? payload : payload.slice(0);
    this.network.carry(this, { kind: 'message', bytes: size }, (delivered) => {
      this.pending -= size;
      const peer = this.peer;
      // Sent before a close: still delivered, as on a channel.
      if (delivered && peer && !peer.closed) peer.deliver(copy);
    });
  }

  close(): void {
    this.markClosed('closed locally');
    const peer = this.peer;
    this.network.carry(this, { kind: 'close' }, () => peer?.markClosed('closed by peer'));
  }

}

class MemoryTransport implements Transport {
  readonly links = new Set<MemoryLink>();
  readonly linkListeners = new Listeners<[Link]>();
  readonly errorListeners = new Listeners<[Error]>();
  stopped = false;

  constructor(readonly localPeerId: string, private readonly network: MemoryNetwork) {}

  async connect(remotePeerId: string): Promise<Link> {
    // A stopped (or disconnected) peer has no signaling: it cannot open links any more.
    if (this.stopped) throw new SignalingError(`${this.localPeerId} is disconnected`);
    const remote = this.network.endpoint(remotePeerId);
    if (!remote || remote.stopped) throw new PeerUnavailableError(remotePeerId);
    const mine = new MemoryLink(this.localPeerId, remotePeerId, this.network);
    const theirs = new MemoryLink(remotePeerId, this.localPeerId, this.network);
    mine.peer = theirs;
    theirs.peer = mine;
    this.track(mine);
    remote.track(theirs);
    await new Promise<void>((resolve) => this.network.schedule(resolve));
    remote.linkListeners.emit(theirs);
    return mine;
  }

  onLink(handler: (link: Link) => void): () => void {
    return this.linkListeners.add(handler);
  }
  onError(handler: (error: Error) => void): () => void {
    return this.errorListeners.add(handler);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const link of [...this.links]) link.close();
    this.network.forget(this.localPeerId);
  }

  track(link: MemoryLink): void {
    this.links.add(link);
    link.onClose(() => this.links.delete(link));
  }
}

/** A set of in-memory endpoints that can reach each other by id. */
export class MemoryNetwork {
  private readonly endpoints = new Map<string, MemoryTransport>();
  private counter = 0;

  /** Register an endpoint; throws PeerIdTakenError for a duplicate id. */
  open(peerId = `peer-${++this.counter}`): Transport {
    if (this.endpoints.has(peerId)) throw new PeerIdTakenError(peerId);
    const transport = new MemoryTransport(peerId, this);
    this.endpoints.set(peerId, transport);
    return transport;
  }

  /** @internal */
  endpoint(peerId: string): MemoryTransport | undefined {
    return this.endpoints.get(peerId);
  }

  /** @internal */
  forget(peerId: string): void {
    this.endpoints.delete(peerId);
  }

  /** @internal Deliver later (a macrotask, as a network would). */
  schedule(fn: () => void): void {
    setTimeout(fn, 0);
  }

  /**
   * @internal How a message or a close crosses `link` (from its `localPeerId` to its
   * `remotePeerId`): call `done(true)` to deliver, `done(false)` to lose a message, later and in
   * order per link. Here: everything, next macrotask. FaultNetwork (fault-network.ts) overrides it.
   */
  carry(_link: MemoryLinkEnds, _event: CarriedEvent, done: (delivered: boolean) => void): void {
    this.schedule(() => done(true));
  }
}
