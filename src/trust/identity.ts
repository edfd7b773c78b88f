/**
 * Who is who in a room (issue 13, finding 7: whoever held the PeerJS id `carbonedge-ROOM` was the
 * coordinator, and ids are free ~200 ms after their holder drops). Pure functions over Ed25519
 * (@noble/curves) and SHA-256 (@noble/hashes), which work on plain http where `crypto.subtle`
 * does not exist; randomness is `crypto.getRandomValues`, available in every context.
 *
 * - The coordinator holds a signing key pair, kept with the room in the browser's storage
 *   ({@link serializeKeyPair}), so a reload keeps its identity.
 * - The join URL carries the public key's {@link fingerprint}; a node trusts only a coordinator
 *   whose key has it.
 * - The welcome is signed over the node's fresh nonce ({@link signWelcome} / {@link verifyWelcome}):
 *   a page that took over the coordinator's id cannot produce it, and an old welcome cannot be
 *   replayed.
 * - Commands are signed with a sequence number bound to that handshake ({@link CommandSigner} /
 *   {@link CommandVerifier}): replayed, reordered or foreign commands are refused.
 * - For each run the coordinator issues every node a {@link LinkCredential}: its signature over
 *   (room, run, the node's peer id, the node's own public key). Nodes prove to each other that they
 *   hold the secret key behind a credential (link-auth.ts).
 */
import type { WireLinkCredential } from '../protocol/run-messages';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { TrustError, equalBytes, fromBase64Url, toBase64Url, transcript } from './encoding';

export { TrustError } from './encoding';

/** Bytes of an Ed25519 secret key, public key and signature. */
export const SECRET_KEY_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
/** Bytes of a handshake nonce. */
export const NONCE_BYTES = 16;
/** Bytes of SHA-256(public key) kept in a fingerprint: 128 bits, 22 base64url characters. */
export const FINGERPRINT_BYTES = 16;
const KEY_PREFIX = 'ce-ed25519-v1:';

/** An Ed25519 key pair (the coordinator's, or a node's for its link credentials). */
export interface KeyPair {
  /** 32-byte secret seed: never leaves the page that made it (except into its own storage). */
  readonly secretKey: Uint8Array;
  /** 32-byte public key. */
  readonly publicKey: Uint8Array;
}

/** A verification outcome: expected failures are data, not exceptions. */
export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };
const OK: Verdict = { ok: true };
const fail = (reason: string): Verdict => ({ ok: false, reason });

/** Fresh random bytes from the platform CSPRNG (works on plain http). */
export function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  crypto.getRandomValues(out);
  return out;
}

/** A fresh handshake nonce, base64url. */
export function newNonce(): string {
  return toBase64Url(randomBytes(NONCE_BYTES));
}

/** A fresh key pair. */
export function generateKeyPair(): KeyPair {
  const secretKey = randomBytes(SECRET_KEY_BYTES);
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/** Text for sessionStorage / IndexedDB: `ce-ed25519-v1:` + base64url(secret seed). */
export function serializeKeyPair(pair: KeyPair): string {
  return KEY_PREFIX + toBase64Url(pair.secretKey);
}

/** Read a stored key pair back (the public key is recomputed). Throws TrustError on anything else. */
export function parseKeyPair(text: unknown): KeyPair {
  if (typeof text !== 'string' || !text.startsWith(KEY_PREFIX)) throw new TrustError(`stored key must start with "${KEY_PREFIX}"`);
  const secretKey = fromBase64Url(text.slice(KEY_PREFIX.length), SECRET_KEY_BYTES, 'stored secret key');
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
}

/** A public key as text (base64url, 43 characters), as it travels in messages. */
export function encodePublicKey(publicKey: Uint8Array): string {
  return toBase64Url(publicKey);
}

/** Read a public key from a message. Throws TrustError. */
export function decodePublicKey(text: unknown, what = 'public key'): Uint8Array {
  return fromBase64Url(text, PUBLIC_KEY_BYTES, what);
}

/** The short fingerprint the join URL carries: base64url of the first 16 bytes of SHA-256(public key). */
export function fingerprint(publicKey: Uint8Array): string {
  return toBase64Url(sha256(publicKey).subarray(0, FINGERPRINT_BYTES));
}

/** Accept a fingerprint from a URL (22 base64url characters), or undefined. */
export function parseFingerprint(text: unknown): string | undefined {
  try {
    return toBase64Url(fromBase64Url(text, FINGERPRINT_BYTES, 'fingerprint'));
  } catch {
    return undefined;
  }
}

/** Whether `publicKey` has fingerprint `expected` (constant time). */
export function hasFingerprint(publicKey: Uint8Array, expected: string): boolean {
  const wanted = parseFingerprint(expected);
  if (wanted === undefined) return false;
  return equalBytes(sha256(publicKey).subarray(0, FINGERPRINT_BYTES), fromBase64Url(wanted, FINGERPRINT_BYTES, 'fingerprint'));
}

function sign(secretKey: Uint8Array, message: Uint8Array): string {
  return toBase64Url(ed25519.sign(message, secretKey));
}

function verify(publicKey: Uint8Array, signature: unknown, message: Uint8Array): boolean {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(signature, SIGNATURE_BYTES, 'signature');
  } catch {
    return false;
  }
  try {
    return ed25519.verify(bytes, message, publicKey);
  } catch {
    return false; // a malformed point or signature is just a bad signature
  }
}

/** What a signed welcome binds together. */
export interface WelcomeFields {
  /** Room id. */
  readonly room: string;
  /** The nonce the node sent in its join (fresh per attempt). */
  readonly nodeNonce: string;
  /** A nonce the coordinator chose for this session. */
  readonly coordinatorNonce: string;
  /** The id the coordinator gives the node. */
  readonly nodeId: string;
  /** The node's own public key (base64url) when it sent one, for its link credentials; '' otherwise. */
  readonly nodeKey: string;
  /** Protocol version. */
  readonly protocolVersion: number;
  /** Heartbeat interval the welcome sets, ms. */
  readonly heartbeatIntervalMs: number;
}

const welcomeTranscript = (f: WelcomeFields) =>
  transcript('carbonedge/welcome/v1', f.room, f.nodeNonce, f.coordinatorNonce, f.nodeId, f.nodeKey, f.protocolVersion, f.heartbeatIntervalMs);

/** The coordinator's signature over a welcome (base64url). */
export function signWelcome(coordinator: KeyPair, fields: WelcomeFields): string {
  return sign(coordinator.secretKey, welcomeTranscript(fields));
}

/**
 * Check a welcome on the node: the coordinator key must have the join URL's fingerprint, and the
 * signature must cover this room, the node's own nonce and the fields as received.
 */
export function verifyWelcome(expectedFingerprint: string, coordinatorKey: unknown, signature: unknown, fields: WelcomeFields): Verdict {
  let publicKey: Uint8Array;
  try {
    publicKey = decodePublicKey(coordinatorKey, 'coordinator key');
  } catch (error) {
    return fail((error as Error).message);
  }
  if (!hasFingerprint(publicKey, expectedFingerprint)) return fail(`coordinator key ${fingerprint(publicKey)} does not match the join URL's fingerprint`);
  if (!verify(publicKey, signature, welcomeTranscript(fields))) return fail('welcome signature does not verify (not the coordinator, or not for this join)');
  return OK;
}

/** The handshake a command session is bound to. */
export interface CommandSession {
  readonly room: string;
  readonly nodeNonce: string;
  readonly coordinatorNonce: string;
}

/** A signed command as it travels: the command's JSON text, its sequence number and signature. */
export interface SignedCommand {
  readonly kind: 'signed';
  /** 1, 2, 3, ... within the session; the node refuses anything not above the last it accepted. */
  readonly seq: number;
  /** The command (a CoordinatorMessage) as JSON text; parse it with parseCoordinatorMessage. */
  readonly body: string;
  /** Coordinator's signature over (session, seq, body), base64url. */
  readonly signature: string;
}

const commandTranscript = (s: CommandSession, seq: number, body: string) =>
  transcript('carbonedge/command/v1', s.room, s.nodeNonce, s.coordinatorNonce, seq, body);

/** Coordinator side: signs each command to one node with the next sequence number. */
export class CommandSigner {
  private seq = 0;
  constructor(private readonly coordinator: KeyPair, private readonly session: CommandSession) {}

  /** Wrap a command's JSON text; send the result as JSON text. */
  sign(body: string): SignedCommand {
    const seq = ++this.seq;
    return { kind: 'signed', seq, body, signature: sign(this.coordinator.secretKey, commandTranscript(this.session, seq, body)) };
  }
}

/** Node side: accepts signed commands of one session, in order, each once. */
export class CommandVerifier {
  private last = 0;
  constructor(private readonly coordinatorKey: Uint8Array, private readonly session: CommandSession) {}

  /** The command's JSON text, or why it is refused. Parses the envelope itself (input is untrusted). */
  open(envelope: unknown): { ok: true; body: string } | { ok: false; reason: string } {
    let value: unknown = envelope;
    if (typeof envelope === 'string') {
      try {
        value = JSON.parse(envelope);
      } catch {
        return { ok: false, reason: 'signed command is not JSON' };
      }
    }
    const m = value as Partial<SignedCommand> | null;
    if (typeof m !== 'object' || m === null || m.kind !== 'signed') return { ok: false, reason: 'not a signed command' };
    if (typeof m.body !== 'string' || m.body.length > 64 * 1024) return { ok: false, reason: 'signed command body must be text of at most 65536 characters' };
    if (!Number.isSafeInteger(m.seq) || (m.seq as number) < 1) return { ok: false, reason: 'signed command needs a positive integer seq' };
    const seq = m.seq as number;
    if (seq <= this.last) return { ok: false, reason: `command ${seq} replayed or reordered (last accepted ${this.last})` };
    if (!verify(this.coordinatorKey, m.signature, commandTranscript(this.session, seq, m.body))) return { ok: false, reason: `command ${seq}: signature does not verify` };
    this.last = seq;
    return { ok: true, body: m.body };
  }
}

/**
 * The coordinator's word that `peerId` (the node's PeerJS id) takes part in `runId` of `room` and
 * holds the secret key of `nodeKey` (base64url), valid until `expiresAtMs`, signed (base64url) over
 * all of it. The same shape travels in `deploy` (src/protocol/run-messages.ts).
 */
export type LinkCredential = WireLinkCredential;

const credentialTranscript = (c: Omit<LinkCredential, 'signature'>) =>
  transcript('carbonedge/link-credential/v1', c.room, c.runId, c.peerId, c.nodeKey, c.expiresAtMs);

/** Coordinator side: issue a node its credential for a run (send it with the node's deploy). */
export function issueLinkCredential(coordinator: KeyPair, fields: Omit<LinkCredential, 'signature'>): LinkCredential {
  decodePublicKey(fields.nodeKey, 'node key'); // refuse to sign garbage
  return { ...fields, signature: sign(coordinator.secretKey, credentialTranscript(fields)) };
}

/** What a credential must say to be accepted. */
export interface CredentialExpectation {
  readonly room: string;
  /** The link's remote peer id as the transport reports it. */
  readonly peerId: string;
  /** Runs whose credentials are accepted now. */
  readonly acceptRun: (runId: number) => boolean;
  /** Now, ms since epoch. */
  readonly nowMs: number;
}

/** Check a credential against the coordinator's key and what the link says. Input is untrusted. */
export function verifyLinkCredential(coordinatorKey: Uint8Array, credential: unknown, expected: CredentialExpectation): Verdict {
  const c = credential as Partial<LinkCredential> | null;
  if (typeof c !== 'object' || c === null) return fail('credential is not an object');
  if (typeof c.room !== 'string' || typeof c.peerId !== 'string' || typeof c.nodeKey !== 'string') return fail('credential fields missing');
  if (!Number.isSafeInteger(c.runId) || !Number.isFinite(c.expiresAtMs)) return fail('credential runId/expiresAtMs invalid');
  if (c.room !== expected.room) return fail(`credential is for room ${c.room.slice(0, 40)}, not ${expected.room}`);
  if (c.peerId !== expected.peerId) return fail(`credential names peer ${c.peerId.slice(0, 80)}, the link is from ${expected.peerId}`);
  if (!expected.acceptRun(c.runId as number)) return fail(`credential is for run ${c.runId}, not a run accepted here`);
  if ((c.expiresAtMs as number) < expected.nowMs) return fail(`credential expired at ${c.expiresAtMs}`);
  const fields = { room: c.room, runId: c.runId as number, peerId: c.peerId, nodeKey: c.nodeKey, expiresAtMs: c.expiresAtMs as number };
  if (!verify(coordinatorKey, c.signature, credentialTranscript(fields))) return fail('credential signature does not verify (not issued by this coordinator)');
  return OK;
}

/** Sign arbitrary transcript bytes with a node key (link-auth.ts). */
export function signWith(pair: KeyPair, message: Uint8Array): string {
  return sign(pair.secretKey, message);
}

/** Verify a signature made by {@link signWith}. */
export function verifyWith(publicKey: Uint8Array, signature: unknown, message: Uint8Array): boolean {
  return verify(publicKey, signature, message);
}

/** What a tenant challenge binds together (issue 15: a tenant page checks the coordinator before sending its secret). */
export interface TenantChallengeFields {
  readonly room: string;
  readonly tenantId: string;
  /** The nonce the tenant page sent in its hello (fresh per attempt). */
  readonly tenantNonce: string;
  /** A nonce the coordinator chose. */
  readonly coordinatorNonce: string;
  readonly protocolVersion: number;
}

const tenantTranscript = (f: TenantChallengeFields) =>
  transcript('carbonedge/tenant-challenge/v1', f.room, f.tenantId, f.tenantNonce, f.coordinatorNonce, f.protocolVersion);

/** The coordinator's signature over a tenant challenge (base64url); its own domain, never a welcome's. */
export function signTenantChallenge(coordinator: KeyPair, fields: TenantChallengeFields): string {
  return sign(coordinator.secretKey, tenantTranscript(fields));
}

/** Check a tenant challenge: the key must have the tenant link's fingerprint and sign these fields. */
export function verifyTenantChallenge(expectedFingerprint: string, coordinatorKey: unknown, signature: unknown, fields: TenantChallengeFields): Verdict {
  let publicKey: Uint8Array;
  try {
    publicKey = decodePublicKey(coordinatorKey, 'coordinator key');
  } catch (error) {
    return fail((error as Error).message);
  }
  if (!hasFingerprint(publicKey, expectedFingerprint)) return fail(`coordinator key ${fingerprint(publicKey)} does not match the tenant link's fingerprint`);
  if (!verify(publicKey, signature, tenantTranscript(fields))) return fail('tenant challenge signature does not verify (not the coordinator of this room, or not for this page)');
  return OK;
}

/** Whether two secrets (base64url text) are equal, in time independent of where they differ. */
export function equalSecrets(a: string, b: string): boolean {
  const enc = new TextEncoder();
  const x = enc.encode(a);
  const y = enc.encode(b);
  return x.length === y.length && equalBytes(x, y);
}
