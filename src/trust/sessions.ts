/**
 * The identity handshake packaged per side, so the coordinator and the node each hold one object:
 * {@link CoordinatorIdentity} signs welcomes, commands and link credentials; {@link NodeHandshake}
 * adds the nonce and key to a join, checks the welcome against the join URL's fingerprint, and
 * opens signed commands. Built on identity.ts; pure (no storage, no transport).
 */
import {
  CommandSigner,
  CommandVerifier,
  TrustError,
  decodePublicKey,
  encodePublicKey,
  fingerprint,
  generateKeyPair,
  issueLinkCredential,
  newNonce,
  parseFingerprint,
  signWelcome,
  verifyWelcome,
  type KeyPair,
  type LinkCredential,
  type SignedCommand,
  type Verdict,
} from './identity';

/** Welcome fields the handshake adds (optional fields of WelcomeMessage). */
export interface WelcomeProof {
  readonly coordinatorKey: string;
  readonly coordinatorNonce: string;
  readonly signature: string;
}

/** Lifetime of a link credential unless told otherwise: a long lab run, ms. */
export const DEFAULT_CREDENTIAL_LIFETIME_MS = 12 * 3_600_000;

/** The coordinator's side: one per room (keep `key` with the room in storage). */
export class CoordinatorIdentity {
  private readonly signers = new Map<string, CommandSigner>();
  private readonly nodeKeys = new Map<string, string>();

  constructor(readonly room: string, readonly key: KeyPair) {}

  /** The fingerprint for the join URL (`&fp=`). */
  get fingerprint(): string {
    return fingerprint(this.key.publicKey);
  }

  /**
   * Sign the welcome for an admitted node. `join` is the parsed JoinMessage (its `nonce` is
   * required: a join without one cannot be answered verifiably). Starts the node's command session.
   */
  welcome(join: { readonly nonce?: string; readonly nodeKey?: string }, nodeId: string, protocolVersion: number, heartbeatIntervalMs: number): WelcomeProof {
    if (!join.nonce) throw new TrustError('the join carries no nonce: the node cannot verify this coordinator');
    const coordinatorNonce = newNonce();
    const nodeKey = join.nodeKey ?? '';
    const signature = signWelcome(this.key, { room: this.room, nodeNonce: join.nonce, coordinatorNonce, nodeId, nodeKey, protocolVersion, heartbeatIntervalMs });
    this.signers.set(nodeId, new CommandSigner(this.key, { room: this.room, nodeNonce: join.nonce, coordinatorNonce }));
    if (nodeKey) this.nodeKeys.set(nodeId, nodeKey);
    else this.nodeKeys.delete(nodeId);
    return { coordinatorKey: encodePublicKey(this.key.publicKey), coordinatorNonce, signature };
  }

  /** Wrap a command (its JSON text) for `nodeId`; send `JSON.stringify` of the result. */
  sign(nodeId: string, body: string): SignedCommand {
    const signer = this.signers.get(nodeId);
    if (!signer) throw new TrustError(`no session with node ${nodeId}: welcome it first`);
    return signer.sign(body);
  }

  /** The link credential of `nodeId` (whose PeerJS id is `peerId`) for a run; undefined when it sent no key. */
  credential(nodeId: string, peerId: string, runId: number, nowMs = Date.now(), lifetimeMs = DEFAULT_CREDENTIAL_LIFETIME_MS): LinkCredential | undefined {
    const nodeKey = this.nodeKeys.get(nodeId);
    if (!nodeKey) return undefined;
    return issueLinkCredential(this.key, { room: this.room, runId, peerId, nodeKey, expiresAtMs: nowMs + lifetimeMs });
  }

  /** Forget a node's session (it left). */
  forget(nodeId: string): void {
    this.signers.delete(nodeId);
    this.nodeKeys.delete(nodeId);
  }
}

/** The node's side of one join attempt (make a new one for every attempt, also after a reconnect). */
export class NodeHandshake {
  /** The node's key for its link credentials (reuse one per page session). */
  readonly nodeKey: KeyPair;
  /** This attempt's nonce. */
  readonly nonce = newNonce();
  private verifier: CommandVerifier | undefined;
  private coordinatorKeyBytes: Uint8Array | undefined;
  private readonly expectedFingerprint: string;

  /**
   * @param room the room of the join URL
   * @param joinFingerprint the join URL's `fp` parameter (refused when malformed)
   * @param nodeKey the page's key pair (default: a fresh one)
   */
  constructor(readonly room: string, joinFingerprint: unknown, nodeKey: KeyPair = generateKeyPair()) {
    const fp = parseFingerprint(joinFingerprint);
    if (fp === undefined) throw new TrustError('the join URL has no valid coordinator fingerprint (fp): ask for a fresh link');
    this.expectedFingerprint = fp;
    this.nodeKey = nodeKey;
  }

  /** Fields to add to the JoinMessage. */
  joinFields(): { nonce: string; nodeKey: string } {
    return { nonce: this.nonce, nodeKey: encodePublicKey(this.nodeKey.publicKey) };
  }

  /** Check the welcome; on success commands can be opened. Obey nothing before this says ok. */
  acceptWelcome(welcome: { readonly nodeId: string; readonly protocolVersion: number; readonly heartbeatIntervalMs: number } & Partial<WelcomeProof>): Verdict {
    if (!welcome.coordinatorNonce) return { ok: false, reason: 'the welcome is not signed' };
    const verdict = verifyWelcome(this.expectedFingerprint, welcome.coordinatorKey, welcome.signature, {
      room: this.room,
      nodeNonce: this.nonce,
      coordinatorNonce: welcome.coordinatorNonce,
      nodeId: welcome.nodeId,
      nodeKey: encodePublicKey(this.nodeKey.publicKey),
      protocolVersion: welcome.protocolVersion,
      heartbeatIntervalMs: welcome.heartbeatIntervalMs,
    });
    if (!verdict.ok) return verdict;
    this.coordinatorKeyBytes = decodePublicKey(welcome.coordinatorKey);
    this.verifier = new CommandVerifier(this.coordinatorKeyBytes, { room: this.room, nodeNonce: this.nonce, coordinatorNonce: welcome.coordinatorNonce });
    return verdict;
  }

  /** The verified coordinator key (for LinkAuth), once the welcome was accepted. */
  get coordinatorKey(): Uint8Array | undefined {
    return this.coordinatorKeyBytes;
  }

  /** Open a signed command (text as received); its body is then parsed with parseCoordinatorMessage. */
  openCommand(text: unknown): { ok: true; body: string } | { ok: false; reason: string } {
    if (!this.verifier) return { ok: false, reason: 'no verified welcome yet' };
    return this.verifier.open(text);
  }
}
