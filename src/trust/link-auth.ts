/**
 * Mutual authentication of a node-to-node link (issue 13, finding 7: "an endpoint that took a
 * departed upstream node's id had its input executed downstream"). Both ends hold a
 * {@link LinkCredential} the coordinator issued for this room and run, binding their peer id to
 * their own Ed25519 key. On open, each side sends a hello (credential + fresh nonce); on the other's
 * hello, each checks the credential against the coordinator's key and the link's remote peer id,
 * then proves it holds its key by signing both nonces and both ids; each checks the other's proof.
 * Until then nothing else on the link is accepted; a link that does not authenticate within
 * `timeoutMs` (default 5 s) is to be closed and counted by the caller.
 *
 * Pure state machine: no timers, no transport. Text messages on the link, `kind` 'link-hello' and
 * 'link-proof'; feed them to {@link LinkAuth.receive}.
 */
import { transcript } from './encoding';
import {
  decodePublicKey,
  newNonce,
  signWith,
  verifyLinkCredential,
  verifyWith,
  type KeyPair,
  type LinkCredential,
} from './identity';

/** First message each side sends on a new link. */
export interface LinkHello {
  readonly kind: 'link-hello';
  /** The sender's credential for this room and run. */
  readonly credential: LinkCredential;
  /** Fresh nonce (base64url) the other side must sign. */
  readonly nonce: string;
}

/** Second message: the sender's signature over both nonces and ids. */
export interface LinkProof {
  readonly kind: 'link-proof';
  /** Signature by the key the sender's credential names, base64url. */
  readonly signature: string;
}

/** Messages of the link handshake. */
export type LinkAuthMessage = LinkHello | LinkProof;

/** Options of {@link LinkAuth}. */
export interface LinkAuthOptions {
  readonly room: string;
  /** Our PeerJS id. */
  readonly localPeerId: string;
  /** The link's remote peer id, as the transport reports it (not as the peer claims it). */
  readonly remotePeerId: string;
  /** Our key pair (its public key is in our credential). */
  readonly nodeKey: KeyPair;
  /** Our credential from the coordinator. */
  readonly credential: LinkCredential;
  /** The coordinator's public key (verified against the join URL's fingerprint at the welcome). */
  readonly coordinatorKey: Uint8Array;
  /** Runs whose credentials are accepted now (default: any). */
  readonly acceptRun?: (runId: number) => boolean;
  /** Time allowed to authenticate, ms (default 5,000). */
  readonly timeoutMs?: number;
  /** Clock, ms since epoch (default Date.now). */
  readonly now?: () => number;
}

/** Where a handshake stands. */
export type LinkAuthState = 'pending' | 'authenticated' | 'failed';

/** What {@link LinkAuth.receive} did: a message to send back, the state, and why it failed. */
export interface LinkAuthStep {
  readonly send?: LinkAuthMessage;
  readonly state: LinkAuthState;
  readonly reason?: string;
}

/** Whether a text message on a link belongs to the handshake (route it to {@link LinkAuth.receive}). */
export function isLinkAuthMessage(text: string): boolean {
  return text.startsWith('{"kind":"link-');
}

const proofTranscript = (room: string, signerId: string, otherId: string, otherNonce: string, signerNonce: string) =>
  transcript('carbonedge/link-proof/v1', room, signerId, otherId, otherNonce, signerNonce);

/** One end of one link's handshake. */
export class LinkAuth {
  private stateValue: LinkAuthState = 'pending';
  private failure: string | undefined;
  private readonly nonce = newNonce();
  private readonly startedAt: number;
  private readonly now: () => number;
  private remoteNonce: string | undefined;
  private remoteKey: Uint8Array | undefined;
  private remoteRunId: number | undefined;

  constructor(private readonly options: LinkAuthOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** pending, authenticated or failed. */
  get state(): LinkAuthState {
    return this.stateValue;
  }

  /** Why it failed, when it did. */
  get reason(): string | undefined {
    return this.failure;
  }

  /** The run of the remote's credential, once authenticated. */
  get remoteRun(): number | undefined {
    return this.stateValue === 'authenticated' ? this.remoteRunId : undefined;
  }

  /** Our hello: send it as JSON text as soon as the link opens (both sides do). */
  hello(): LinkHello {
    return { kind: 'link-hello', credential: this.options.credential, nonce: this.nonce };
  }

  /** Fail a pending handshake once `timeoutMs` passed; returns true when it (now or earlier) failed. */
  checkTimeout(): boolean {
    if (this.stateValue === 'pending' && this.now() - this.startedAt > (this.options.timeoutMs ?? 5000)) {
      this.fail(`not authenticated within ${this.options.timeoutMs ?? 5000} ms`);
    }
    return this.stateValue === 'failed';
  }

  /** Take one handshake message from the remote (JSON text or parsed). Never throws. */
  receive(input: unknown): LinkAuthStep {
    if (this.stateValue !== 'pending') return this.step();
    if (this.checkTimeout()) return this.step();
    let message: unknown = input;
    if (typeof input === 'string') {
      if (input.length > 16 * 1024) return this.fail('handshake message over 16 KiB');
      try {
        message = JSON.parse(input);
      } catch {
        return this.fail('handshake message is not JSON');
      }
    }
    if (typeof message !== 'object' || message === null) return this.fail('handshake message is not an object');
    const kind = (message as { kind?: unknown }).kind;
    if (kind === 'link-hello') return this.onHello(message as Partial<LinkHello>);
    if (kind === 'link-proof') return this.onProof(message as Partial<LinkProof>);
    return this.fail(`expected a link handshake message, got ${JSON.stringify(String(kind)).slice(0, 40)}`);
  }

  private onHello(m: Partial<LinkHello>): LinkAuthStep {
    if (this.remoteNonce !== undefined) return this.fail('second hello on one link');
    const o = this.options;
    const verdict = verifyLinkCredential(o.coordinatorKey, m.credential, { room: o.room, peerId: o.remotePeerId, acceptRun: o.acceptRun ?? (() => true), nowMs: this.now() });
    if (!verdict.ok) return this.fail(verdict.reason);
    if (typeof m.nonce !== 'string' || !/^[A-Za-z0-9_-]{22}$/.test(m.nonce)) return this.fail('hello nonce must be 22 base64url characters');
    try {
      this.remoteKey = decodePublicKey(m.credential!.nodeKey, 'node key');
    } catch (error) {
      return this.fail((error as Error).message);
    }
    this.remoteNonce = m.nonce;
    this.remoteRunId = m.credential!.runId;
    const signature = signWith(o.nodeKey, proofTranscript(o.room, o.localPeerId, o.remotePeerId, this.remoteNonce, this.nonce));
    return { send: { kind: 'link-proof', signature }, state: this.stateValue };
  }

  private onProof(m: Partial<LinkProof>): LinkAuthStep {
    if (this.remoteNonce === undefined || this.remoteKey === undefined) return this.fail('proof before hello');
    const o = this.options;
    const expected = proofTranscript(o.room, o.remotePeerId, o.localPeerId, this.nonce, this.remoteNonce);
    if (!verifyWith(this.remoteKey, m.signature, expected)) return this.fail('link proof does not verify (the peer does not hold its credential\'s key)');
    this.stateValue = 'authenticated';
    return this.step();
  }

  private fail(reason: string): LinkAuthStep {
    if (this.stateValue === 'pending') {
      this.stateValue = 'failed';
      this.failure = reason;
    }
    return this.step();
  }

  private step(): LinkAuthStep {
    return this.failure === undefined ? { state: this.stateValue } : { state: this.stateValue, reason: this.failure };
  }
}
