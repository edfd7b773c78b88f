/**
 * A seeded, faulty in-memory network for tests: a {@link MemoryNetwork} whose links delay messages,
 * lose whole messages, and whose peers can be disconnected at a chosen time or after a number of
 * messages. Within one link order is kept, as on a data channel; reordering happens across links,
 * because every message draws its own delay and links drift apart. Every decision comes from the
 * seed, through a separate PRNG stream per link (mulberry32 seeded from the seed and the link's
 * name), so a link's fate does not depend on how timers of other links interleave. Print `seed`
 * on failure and pass it back to replay (the yjs habit).
 */
import { MemoryNetwork, type CarriedEvent, type MemoryLinkEnds } from './memory-transport';
import { SignalingError } from './transport';
import { deriveSeed, seededRandom } from '../util/seeded-random';

/** What can go wrong on a link. All default to 0 (a perfect link). */
export interface LinkFaults {
  /** Fixed one-way delay of every message, ms. */
  readonly delayMs?: number;
  /** Extra delay per message, uniform in [0, jitterMs), ms; never overtakes an earlier message. */
  readonly jitterMs?: number;
  /** Probability in [0, 1] that a message is lost whole (closes are never lost). */
  readonly dropRate?: number;
}

/** Faults for the links from `from` to `to` (either omitted: any peer). Later rules win. */
export interface LinkFaultRule {
  /** Sending peer id, or any. */
  readonly from?: string;
  /** Receiving peer id, or any. */
  readonly to?: string;
  /** Faults of matching links. */
  readonly faults: LinkFaults;
}

/** Options of {@link FaultNetwork}. */
export interface FaultNetworkOptions {
  /** PRNG seed, uint32; random when omitted (read it back from `seed`). */
  readonly seed?: number;
  /** Faults of every link unless a rule says otherwise. */
  readonly faults?: LinkFaults;
  /** Per-link faults; the last matching rule wins. */
  readonly rules?: readonly LinkFaultRule[];
}

/** One decision of the network, for replay checks and failure reports. */
export interface FaultEvent {
  /** Link name: `from->to#n` (n counts links between the same two peers, from 0). */
  readonly link: string;
  /** Message number on that link, from 0. */
  readonly seq: number;
  /** What happened. */
  readonly action: 'deliver' | 'drop' | 'close' | 'disconnect';
  /** Message size, bytes (0 for closes and disconnects). */
  readonly bytes: number;
  /** Delay until delivery, ms. */
  readonly delayMs: number;
}

/** The project's seeded PRNG under the name the tests know it by. */
export { seededRandom as mulberry32 } from '../util/seeded-random';

interface Lane {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly random: () => number;
  seq: number;
  lastDueAt: number;
  readonly queue: { dueAt: number; delivered: boolean; done: (delivered: boolean) => void }[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** A MemoryNetwork with seeded delays, drops and disconnects. */
export class FaultNetwork extends MemoryNetwork {
  /** The seed every decision derives from (print it when a test fails). */
  readonly seed: number;
  /** Every decision so far, in the order it was taken. */
  readonly log: FaultEvent[] = [];
  private readonly rules: LinkFaultRule[];
  private readonly lanes = new WeakMap<MemoryLinkEnds, Lane>();
  private readonly laneCounts = new Map<string, number>();
  private readonly sentBy = new Map<string, number>();
  private readonly disconnectAfterSends = new Map<string, number>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(options: FaultNetworkOptions = {}) {
    super();
    this.seed = (options.seed ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
    this.rules = [...(options.faults ? [{ faults: options.faults }] : []), ...(options.rules ?? [])];
  }

  /** Add a rule (applies to later messages on existing links too). */
  addRule(rule: LinkFaultRule): void {
    this.rules.push(rule);
  }

  /** The faults in force from `from` to `to`. */
  faultsFor(from: string, to: string): LinkFaults {
    let faults: LinkFaults = {};
    for (const rule of this.rules) {
      if ((rule.from === undefined || rule.from === from) && (rule.to === undefined || rule.to === to)) faults = rule.faults;
    }
    return faults;
  }

  /**
   * Cut a peer off now: all its links close on both sides (reason "disconnected"), messages in
   * flight to or from it are lost, its transport reports a SignalingError and it can no longer be
   * reached - as when a page loses its network. Returns false when no such peer is open.
   */
  disconnect(peerId: string): boolean {
    const endpoint = this.endpoint(peerId);
    if (!endpoint) return false;
    this.log.push({ link: peerId, seq: 0, action: 'disconnect', bytes: 0, delayMs: 0 });
    for (const link of [...endpoint.links]) {
      link.markClosed('disconnected');
      link.peer?.markClosed(`peer ${peerId} disconnected`);
    }
    endpoint.stopped = true;
    this.forget(peerId);
    endpoint.errorListeners.emit(new SignalingError(`${peerId} was disconnected by the fault network (seed ${this.seed})`));
    return true;
  }

  /** Disconnect a peer `delayMs` from now. */
  disconnectAfter(peerId: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.disconnect(peerId);
    }, delayMs);
    this.timers.add(timer);
  }

  /** Disconnect a peer right after it has sent `count` more messages (timing-independent). */
  disconnectAfterMessages(peerId: string, count: number): void {
    this.disconnectAfterSends.set(peerId, (this.sentBy.get(peerId) ?? 0) + count);
  }

  /** Cancel pending timed disconnects and message deliveries (call in test teardown). */
  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** @internal Seeded delay and drop, order kept per link. */
  override carry(link: MemoryLinkEnds, event: CarriedEvent, done: (delivered: boolean) => void): void {
    const lane = this.laneOf(link);
    const faults = this.faultsFor(lane.from, lane.to);
    // Always draw both numbers so the stream stays aligned whatever the faults are.
    const dropDraw = lane.random();
    const jitterDraw = lane.random();
    const delayMs = (faults.delayMs ?? 0) + jitterDraw * (faults.jitterMs ?? 0);
    const delivered = event.kind === 'close' || dropDraw >= (faults.dropRate ?? 0);
    const bytes = event.kind === 'message' ? event.bytes : 0;
    const action = event.kind === 'close' ? 'close' : delivered ? 'deliver' : 'drop';
    this.log.push({ link: lane.name, seq: lane.seq++, action, bytes, delayMs });
    const dueAt = Math.max(Date.now() + delayMs, lane.lastDueAt);
    lane.lastDueAt = dueAt;
    lane.queue.push({ dueAt, delivered, done });
    this.arm(lane);
    if (event.kind === 'message') this.countSend(lane.from);
  }

  private countSend(peerId: string): void {
    const sent = (this.sentBy.get(peerId) ?? 0) + 1;
    this.sentBy.set(peerId, sent);
    const limit = this.disconnectAfterSends.get(peerId);
    if (limit !== undefined && sent >= limit) {
      this.disconnectAfterSends.delete(peerId);
      // After the send returns: a send call never sees its own link close under it.
      queueMicrotask(() => this.disconnect(peerId));
    }
  }

  private laneOf(link: MemoryLinkEnds): Lane {
    let lane = this.lanes.get(link);
    if (!lane) {
      const pair = `${link.localPeerId}->${link.remotePeerId}`;
      const n = this.laneCounts.get(pair) ?? 0;
      this.laneCounts.set(pair, n + 1);
      const name = `${pair}#${n}`;
      lane = { name, from: link.localPeerId, to: link.remotePeerId, random: seededRandom(deriveSeed(this.seed, name)), seq: 0, lastDueAt: 0, queue: [], timer: undefined };
      this.lanes.set(link, lane);
    }
    return lane;
  }

  private arm(lane: Lane): void {
    if (lane.timer !== undefined) return;
    const head = lane.queue[0];
    if (!head) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      lane.timer = undefined;
      const now = Date.now();
      try {
        for (let next = lane.queue[0]; next && next.dueAt <= now; next = lane.queue[0]) {
          lane.queue.shift();
          next.done(next.delivered);
        }
      } finally {
        this.arm(lane);
      }
    }, Math.max(0, head.dueAt - Date.now()));
    lane.timer = timer;
    this.timers.add(timer);
  }
}
