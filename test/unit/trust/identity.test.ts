import { describe, expect, it } from 'vitest';
import {
  CommandSigner,
  CommandVerifier,
  TrustError,
  decodePublicKey,
  encodePublicKey,
  fingerprint,
  generateKeyPair,
  hasFingerprint,
  issueLinkCredential,
  newNonce,
  parseFingerprint,
  parseKeyPair,
  serializeKeyPair,
  signWelcome,
  verifyLinkCredential,
  verifyWelcome,
  type WelcomeFields,
} from '../../../src/trust/identity';
import { fromBase64Url, toBase64Url, transcript } from '../../../src/trust/encoding';
import { LinkAuth, isLinkAuthMessage, type LinkAuthOptions } from '../../../src/trust/link-auth';
import { parseCoordinatorMessage, parseNodeMessage } from '../../../src/protocol/messages';

const room = 'abc123room';

describe('keys and fingerprints', () => {
  it('round-trips base64url for every length and refuses non-canonical or foreign text', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n) & 0xff);
      expect(fromBase64Url(toBase64Url(bytes), n, 'x')).toEqual(bytes);
    }
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(() => fromBase64Url('-_9', 2, 'x')).toThrow(/not canonical/);
    expect(() => fromBase64Url('ab+', 2, 'x')).toThrow(/outside base64url/);
    expect(() => fromBase64Url('abcd', 2, 'x')).toThrow(/3 base64url characters/);
  });

  it('keeps a key pair through storage text and refuses anything else', () => {
    const pair = generateKeyPair();
    const text = serializeKeyPair(pair);
    expect(text).toMatch(/^ce-ed25519-v1:[A-Za-z0-9_-]{43}$/);
    expect(parseKeyPair(text)).toEqual(pair);
    expect(() => parseKeyPair('nope')).toThrow(TrustError);
    expect(() => parseKeyPair('ce-ed25519-v1:short')).toThrow(/43 base64url characters/);
  });

  it('gives a 22-character fingerprint that only its own key matches', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const fp = fingerprint(a.publicKey);
    expect(fp).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(parseFingerprint(fp)).toBe(fp);
    expect(parseFingerprint('x')).toBeUndefined();
    expect(hasFingerprint(a.publicKey, fp)).toBe(true);
    expect(hasFingerprint(b.publicKey, fp)).toBe(false);
    expect(decodePublicKey(encodePublicKey(a.publicKey))).toEqual(a.publicKey);
  });

  it('separates transcripts by label and field boundaries', () => {
    expect(transcript('a', 'bc')).not.toEqual(transcript('a', 'b', 'c'));
    expect(transcript('a', 'b')).not.toEqual(transcript('b', 'b'));
  });
});

describe('signed welcome (issue 13, finding 7: taking over carbonedge-ROOM gives nothing)', () => {
  const coordinator = generateKeyPair();
  const fp = fingerprint(coordinator.publicKey);
  const fields: WelcomeFields = { room, nodeNonce: newNonce(), coordinatorNonce: newNonce(), nodeId: 'node-1', nodeKey: '', protocolVersion: 1, heartbeatIntervalMs: 1000 };

  it('verifies the real coordinator, also after a reload with its stored key', () => {
    const signature = signWelcome(coordinator, fields);
    expect(verifyWelcome(fp, encodePublicKey(coordinator.publicKey), signature, fields)).toEqual({ ok: true });
    const reloaded = parseKeyPair(serializeKeyPair(coordinator));
    expect(verifyWelcome(fp, encodePublicKey(reloaded.publicKey), signWelcome(reloaded, fields), fields)).toEqual({ ok: true });
  });

  it('refuses an impostor with its own key, a replayed welcome, and altered fields', () => {
    const impostor = generateKeyPair();
    const forged = verifyWelcome(fp, encodePublicKey(impostor.publicKey), signWelcome(impostor, fields), fields);
    expect(forged).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match the join URL's fingerprint/) });
    const recorded = signWelcome(coordinator, fields);
    const replay = verifyWelcome(fp, encodePublicKey(coordinator.publicKey), recorded, { ...fields, nodeNonce: newNonce() });
    expect(replay).toMatchObject({ ok: false, reason: expect.stringMatching(/signature does not verify/) });
    expect(verifyWelcome(fp, encodePublicKey(coordinator.publicKey), recorded, { ...fields, heartbeatIntervalMs: 100 }).ok).toBe(false);
    expect(verifyWelcome(fp, 'garbage', recorded, fields).ok).toBe(false);
    expect(verifyWelcome(fp, encodePublicKey(coordinator.publicKey), 'A'.repeat(86), fields).ok).toBe(false);
  });

  it('carries the handshake fields through the control-message parsers', () => {
    const welcome = { kind: 'welcome', protocolVersion: 1, nodeId: 'node-1', heartbeatIntervalMs: 1000, coordinatorKey: encodePublicKey(coordinator.publicKey), coordinatorNonce: fields.coordinatorNonce, signature: signWelcome(coordinator, fields) } as const;
    expect(parseCoordinatorMessage(JSON.stringify(welcome))).toEqual(welcome);
    expect(() => parseCoordinatorMessage(JSON.stringify({ ...welcome, signature: 'short' }))).toThrow(/86 base64url/);
    const join = { kind: 'join', protocolVersion: 1, token: 't'.repeat(24), name: 'n', deviceClass: 'laptop', hardwareConcurrency: 4, deviceMemoryGb: null, webgpu: false, simulated: false, nonce: newNonce(), nodeKey: encodePublicKey(generateKeyPair().publicKey) };
    expect(parseNodeMessage(JSON.stringify(join))).toEqual(join);
    expect(() => parseNodeMessage(JSON.stringify({ ...join, nonce: 'x' }))).toThrow(/join.nonce/);
  });
});

describe('signed commands', () => {
  const coordinator = generateKeyPair();
  const session = { room, nodeNonce: newNonce(), coordinatorNonce: newNonce() };

  it('accepts each command once, in order, and only from this session and coordinator', () => {
    const signer = new CommandSigner(coordinator, session);
    const verifier = new CommandVerifier(coordinator.publicKey, session);
    const a = signer.sign('{"kind":"undeploy","keepRunId":null}');
    const b = signer.sign('{"kind":"benchmark-request"}');
    expect(verifier.open(JSON.stringify(a))).toEqual({ ok: true, body: a.body });
    expect(verifier.open(a)).toMatchObject({ ok: false, reason: expect.stringMatching(/replayed or reordered/) });
    expect(verifier.open({ ...b, body: '{"kind":"configure","slowdown":1000}' })).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/) });
    expect(verifier.open(b)).toEqual({ ok: true, body: b.body });
    const other = new CommandSigner(coordinator, { ...session, nodeNonce: newNonce() }).sign('{"kind":"benchmark-request"}');
    expect(new CommandVerifier(coordinator.publicKey, session).open(other).ok).toBe(false);
    const impostor = new CommandSigner(generateKeyPair(), session).sign('{"kind":"benchmark-request"}');
    expect(new CommandVerifier(coordinator.publicKey, session).open(impostor).ok).toBe(false);
    expect(verifier.open('{"kind":"deploy"}')).toMatchObject({ ok: false, reason: 'not a signed command' });
  });
});

describe('link credentials and link authentication', () => {
  const coordinator = generateKeyPair();
  const nowMs = 1_800_000_000_000;
  const node = (peerId: string, runId = 4) => {
    const key = generateKeyPair();
    const credential = issueLinkCredential(coordinator, { room, runId, peerId, nodeKey: encodePublicKey(key.publicKey), expiresAtMs: nowMs + 3_600_000 });
    return { peerId, key, credential };
  };
  const auth = (self: ReturnType<typeof node>, remotePeerId: string, extra: Partial<LinkAuthOptions> = {}) =>
    new LinkAuth({ room, localPeerId: self.peerId, remotePeerId, nodeKey: self.key, credential: self.credential, coordinatorKey: coordinator.publicKey, now: () => nowMs, ...extra });

  /** Run both ends' handshakes over an in-order pipe; returns their final states. */
  function handshake(a: LinkAuth, b: LinkAuth) {
    const toB: unknown[] = [JSON.stringify(a.hello())];
    const toA: unknown[] = [JSON.stringify(b.hello())];
    for (let round = 0; round < 4; round++) {
      for (const m of toB.splice(0)) {
        const step = b.receive(m);
        if (step.send) toA.push(JSON.stringify(step.send));
      }
      for (const m of toA.splice(0)) {
        const step = a.receive(m);
        if (step.send) toB.push(JSON.stringify(step.send));
      }
    }
    return [a.state, b.state];
  }

  it('authenticates two nodes of the run to each other', () => {
    const a = node('peer-a');
    const b = node('peer-b');
    const ea = auth(a, 'peer-b');
    const eb = auth(b, 'peer-a');
    expect(handshake(ea, eb)).toEqual(['authenticated', 'authenticated']);
    expect(ea.remoteRun).toBe(4);
    expect(isLinkAuthMessage(JSON.stringify(ea.hello()))).toBe(true);
  });

  it('refuses a peer that took a departed node\'s id but has no credential for it', () => {
    const a = node('peer-a');
    const departed = node('peer-b');
    const thief = { peerId: 'peer-b', key: generateKeyPair(), credential: departed.credential }; // a copied credential, another key
    const ea = auth(a, 'peer-b');
    expect(handshake(ea, auth(thief, 'peer-a'))[0]).toBe('failed');
    expect(ea.reason).toMatch(/does not hold its credential's key/);
  });

  it('refuses a credential for another peer id, room, run, or from another coordinator, and an expired one', () => {
    const a = node('peer-a');
    const b = node('peer-b');
    const check = (credential: unknown, peerId = 'peer-b', acceptRun: (r: number) => boolean = (r) => r === 4, at = nowMs) =>
      verifyLinkCredential(coordinator.publicKey, credential, { room, peerId, acceptRun, nowMs: at });
    expect(check(b.credential)).toEqual({ ok: true });
    expect(check(b.credential, 'peer-c')).toMatchObject({ ok: false, reason: expect.stringMatching(/names peer peer-b/) });
    expect(check(b.credential, 'peer-b', (r) => r === 5)).toMatchObject({ ok: false, reason: expect.stringMatching(/run 4/) });
    expect(check(b.credential, 'peer-b', undefined, nowMs + 3_600_001)).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
    expect(check({ ...b.credential, runId: 4, room: 'other' }).ok).toBe(false);
    expect(check({ ...b.credential, expiresAtMs: nowMs + 9e9 })).toMatchObject({ ok: false, reason: expect.stringMatching(/signature does not verify/) });
    const rogueCoordinator = generateKeyPair();
    const rogue = issueLinkCredential(rogueCoordinator, { room, runId: 4, peerId: 'peer-b', nodeKey: b.credential.nodeKey, expiresAtMs: nowMs + 1000 });
    expect(check(rogue).ok).toBe(false);
    expect(check(null).ok).toBe(false);
    void a;
  });

  it('fails a link that does not authenticate in time, and garbage', () => {
    let t = nowMs;
    const a = node('peer-a');
    const ea = auth(a, 'peer-b', { now: () => t, timeoutMs: 5000 });
    t += 5001;
    expect(ea.checkTimeout()).toBe(true);
    expect(ea.reason).toMatch(/within 5000 ms/);
    const eb = auth(a, 'peer-b');
    expect(eb.receive('not json').state).toBe('failed');
    const ec = auth(a, 'peer-b');
    expect(ec.receive({ kind: 'link-proof', signature: 'x' })).toMatchObject({ state: 'failed', reason: 'proof before hello' });
  });
});
