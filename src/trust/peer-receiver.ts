/**
 * A node's inbound tensor plane with the trust rules of issue 13 in one place (findings 4-7):
 * every peer link authenticates with {@link LinkAuth} before any of its frames is even assembled;
 * a link that does not authenticate within `timeoutMs` is closed and counted; all links' assemblers
 * share one {@link ReceiverBudget}; an assembler is closed (its bytes given back) when its link
 * closes. The swarm attaches every node-to-node link here (inbound and outbound alike) and gets
 * whole request groups back. Transport-agnostic: works on any {@link Link}.
 */
import { FrameAssembler, type FrameAssemblerOptions, type FrameGroup } from '../protocol/frame-assembler';
import type { ReceiverBudget } from '../protocol/receiver-budget';
import type { Link } from '../mesh/transport';
import type { KeyPair, LinkCredential } from './identity';
import { LinkAuth, isLinkAuthMessage } from './link-auth';

/** What this node needs to authenticate links; available once the coordinator sent a credential. */
export interface LinkAuthContext {
  readonly room: string;
  readonly localPeerId: string;
  readonly nodeKey: KeyPair;
  readonly credential: LinkCredential;
  /** The coordinator's key, verified against the join URL's fingerprint at the welcome. */
  readonly coordinatorKey: Uint8Array;
  /** Runs whose credentials are accepted now. */
  readonly acceptRun: (runId: number) => boolean;
}

/** Options of a {@link PeerReceiver}. */
export interface PeerReceiverOptions {
  /** The node's one budget. */
  readonly budget: ReceiverBudget;
  /** The current auth context, or undefined while the node has no credential yet. */
  readonly authContext: () => LinkAuthContext | undefined;
  /** Hooks and limits for every link's assembler (the budget is added). */
  readonly assembler?: Omit<FrameAssemblerOptions, 'budget'>;
  /** A complete group from an authenticated link. */
  readonly onGroup: (link: Link, group: FrameGroup) => void;
  /** A link finished its handshake: frames may now be sent on it (both sides). */
  readonly onAuthenticated?: (link: Link) => void;
  /** A link refused or closed for failing to authenticate, with why (for counters and logs). */
  readonly onRefusedLink?: (link: Link, reason: string) => void;
  /** Time a link has to authenticate, ms (default 5,000). */
  readonly timeoutMs?: number;
  /** Clock, ms since epoch (default Date.now). */
  readonly now?: () => number;
}

/** Counters (numbers only). */
export interface PeerReceiverStats {
  /** Links attached now. */
  readonly links: number;
  /** Of those, authenticated. */
  readonly authenticated: number;
  /** Links closed for failing or not finishing the handshake. */
  readonly refusedLinks: number;
  /** Messages dropped because their link was not authenticated (never assembled). */
  readonly droppedBeforeAuth: number;
  /** Frame chunks refused by the assemblers (by reason: see the budget's stats). */
  readonly rejectedChunks: number;
}

interface Attached {
  readonly link: Link;
  readonly attachedAt: number;
  auth: LinkAuth | undefined;
  readonly waiting: string[];
  readonly assembler: FrameAssembler;
  readonly offs: (() => void)[];
}

/** Most handshake messages kept for a link while the node waits for its own credential. */
const MAX_WAITING = 4;

/** Authenticated, budgeted reception of tensor frames from peers. */
export class PeerReceiver {
  private readonly links = new Map<Link, Attached>();
  private readonly now: () => number;
  private counts = { refusedLinks: 0, droppedBeforeAuth: 0, rejectedChunks: 0 };

  constructor(private readonly options: PeerReceiverOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Start the handshake on a new link (inbound or outbound) and route its messages. Idempotent. */
  attach(link: Link): void {
    if (this.links.has(link) || link.closed) return;
    const entry: Attached = {
      link,
      attachedAt: this.now(),
      auth: undefined,
      waiting: [],
      assembler: new FrameAssembler({ ...this.options.assembler, budget: this.options.budget, now: this.options.assembler?.now ?? this.now }),
      offs: [],
    };
    this.links.set(link, entry);
    entry.offs.push(
      link.onMessage((payload) => this.onMessage(entry, payload)),
      link.onClose(() => this.detach(entry)),
    );
    this.startAuth(entry);
  }

  /** Call when the auth context changes (a credential arrived): links waiting for it start. */
  refresh(): void {
    for (const entry of this.links.values()) if (!entry.auth) this.startAuth(entry);
  }

  /** Close links past their handshake time, and evict idle frames. Call every second or so. */
  tick(): void {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    for (const entry of [...this.links.values()]) {
      if (entry.auth?.state === 'authenticated') continue;
      if (entry.auth ? entry.auth.checkTimeout() : this.now() - entry.attachedAt > timeoutMs) {
        this.refuse(entry, entry.auth?.reason ?? `not authenticated within ${timeoutMs} ms (no credential here yet)`);
      }
    }
    this.options.budget.sweep();
  }

  /** Whether a link has authenticated. */
  isAuthenticated(link: Link): boolean {
    return this.links.get(link)?.auth?.state === 'authenticated';
  }

  /** The assembler of a link (to discard requests or runs), if attached. */
  assemblerOf(link: Link): FrameAssembler | undefined {
    return this.links.get(link)?.assembler;
  }

  /** Counters, a snapshot. */
  get stats(): PeerReceiverStats {
    let authenticated = 0;
    for (const e of this.links.values()) if (e.auth?.state === 'authenticated') authenticated++;
    return { links: this.links.size, authenticated, ...this.counts };
  }

  /** Detach every link (closing their assemblers); the links stay open. */
  stop(): void {
    for (const entry of [...this.links.values()]) this.detach(entry);
  }

  private startAuth(entry: Attached): void {
    const context = this.options.authContext();
    if (!context || entry.link.closed) return;
    entry.auth = new LinkAuth({ ...context, remotePeerId: entry.link.remotePeerId, timeoutMs: this.options.timeoutMs ?? 5000, now: this.now });
    this.send(entry, JSON.stringify(entry.auth.hello()));
    for (const text of entry.waiting.splice(0)) this.onHandshake(entry, text);
  }

  private onMessage(entry: Attached, payload: string | ArrayBuffer): void {
    if (typeof payload === 'string' && isLinkAuthMessage(payload)) {
      if (!entry.auth) {
        if (entry.waiting.length < MAX_WAITING) entry.waiting.push(payload);
        else this.refuse(entry, 'too many handshake messages before this node had a credential');
        return;
      }
      this.onHandshake(entry, payload);
      return;
    }
    if (entry.auth?.state !== 'authenticated') {
      this.counts.droppedBeforeAuth++;
      return;
    }
    if (typeof payload === 'string') return; // text from peers is never control
    const result = entry.assembler.push(payload);
    if (result.kind === 'rejected') this.counts.rejectedChunks++;
    else if (result.kind === 'frame' && result.group) this.options.onGroup(entry.link, result.group);
  }

  private onHandshake(entry: Attached, text: string): void {
    const before = entry.auth!.state;
    const step = entry.auth!.receive(text);
    if (step.send) this.send(entry, JSON.stringify(step.send));
    if (step.state === 'failed') this.refuse(entry, step.reason ?? 'handshake failed');
    else if (step.state === 'authenticated' && before !== 'authenticated') this.options.onAuthenticated?.(entry.link);
  }

  private send(entry: Attached, text: string): void {
    try {
      entry.link.send(text);
    } catch (error) {
      this.refuse(entry, `could not send the handshake: ${(error as Error).message}`);
    }
  }

  private refuse(entry: Attached, reason: string): void {
    if (!this.links.has(entry.link)) return;
    this.counts.refusedLinks++;
    this.detach(entry);
    this.options.onRefusedLink?.(entry.link, reason);
    entry.link.close();
  }

  private detach(entry: Attached): void {
    if (!this.links.delete(entry.link)) return;
    for (const off of entry.offs) off();
    entry.assembler.close();
  }
}
