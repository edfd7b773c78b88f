/**
 * The coordinator/node handshake end to end over the real control-message parsers, including the
 * takeover of issue 13, finding 7: a page that grabs `carbonedge-ROOM` while the coordinator tab
 * reloads gets nothing obeyed, and the reloaded coordinator (same stored key) is accepted again.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, encodeMessage, parseCoordinatorMessage, parseNodeMessage, type JoinMessage, type WelcomeMessage } from '../../../src/protocol/messages';
import type { JoinToken, NodeId } from '../../../src/protocol/ids';
import { generateKeyPair, parseKeyPair, serializeKeyPair, verifyLinkCredential } from '../../../src/trust/identity';
import { CoordinatorIdentity, NodeHandshake } from '../../../src/trust/sessions';

const room = 'classroom1';
const stored = serializeKeyPair(generateKeyPair()); // what the coordinator tab keeps in sessionStorage

function join(handshake: NodeHandshake): string {
  const message: JoinMessage = {
    kind: 'join', protocolVersion: PROTOCOL_VERSION, token: 'T'.repeat(24) as JoinToken, name: 'phone', deviceClass: 'phone',
    hardwareConcurrency: 8, deviceMemoryGb: 4, webgpu: false, simulated: false, ...handshake.joinFields(),
  };
  return encodeMessage(message);
}

function welcome(coordinator: CoordinatorIdentity, joinText: string, nodeId: string): string {
  const j = parseNodeMessage(joinText) as JoinMessage;
  const message: WelcomeMessage = { kind: 'welcome', protocolVersion: PROTOCOL_VERSION, nodeId: nodeId as NodeId, heartbeatIntervalMs: 1000, ...coordinator.welcome(j, nodeId, PROTOCOL_VERSION, 1000) };
  return encodeMessage(message);
}

describe('coordinator and node handshake', () => {
  it('admits the real coordinator, opens its commands in order, and issues a verifiable link credential', () => {
    const coordinator = new CoordinatorIdentity(room, parseKeyPair(stored));
    const node = new NodeHandshake(room, coordinator.fingerprint);
    const w = parseCoordinatorMessage(welcome(coordinator, join(node), 'n1')) as WelcomeMessage;
    expect(node.acceptWelcome(w)).toEqual({ ok: true });
    const cmd = JSON.stringify(coordinator.sign('n1', '{"kind":"benchmark-request"}'));
    const opened = node.openCommand(cmd);
    expect(opened.ok && parseCoordinatorMessage(opened.body)).toEqual({ kind: 'benchmark-request' });
    expect(node.openCommand(cmd).ok).toBe(false); // replayed
    const credential = coordinator.credential('n1', 'peer-n1', 3, 1_000)!;
    expect(verifyLinkCredential(node.coordinatorKey!, credential, { room, peerId: 'peer-n1', acceptRun: (r) => r === 3, nowMs: 2_000 })).toEqual({ ok: true });
  });

  it('gives a page that took over carbonedge-ROOM nothing obeyed, and accepts the reloaded coordinator', () => {
    const original = new CoordinatorIdentity(room, parseKeyPair(stored));
    const fp = original.fingerprint;
    // The coordinator tab reloads; an impostor grabs the id and answers the node's rejoin.
    const impostor = new CoordinatorIdentity(room, generateKeyPair());
    const rejoin = new NodeHandshake(room, fp);
    const forged = parseCoordinatorMessage(welcome(impostor, join(rejoin), 'n1')) as WelcomeMessage;
    expect(rejoin.acceptWelcome(forged)).toMatchObject({ ok: false, reason: expect.stringMatching(/fingerprint/) });
    expect(rejoin.openCommand(JSON.stringify(impostor.sign('n1', '{"kind":"undeploy","keepRunId":null}')))).toEqual({ ok: false, reason: 'no verified welcome yet' });
    // Replaying the original coordinator's earlier welcome does not help either: it signed another nonce.
    const earlier = new NodeHandshake(room, fp);
    const recorded = parseCoordinatorMessage(welcome(original, join(earlier), 'n1')) as WelcomeMessage;
    const again = new NodeHandshake(room, fp);
    expect(again.acceptWelcome(recorded)).toMatchObject({ ok: false, reason: expect.stringMatching(/signature does not verify/) });
    // The reloaded coordinator, same stored key: accepted.
    const reloaded = new CoordinatorIdentity(room, parseKeyPair(stored));
    const fresh = new NodeHandshake(room, fp);
    expect(fresh.acceptWelcome(parseCoordinatorMessage(welcome(reloaded, join(fresh), 'n1')) as WelcomeMessage)).toEqual({ ok: true });
  });

  it('refuses a join URL without a fingerprint, an unsigned welcome, and a join without a nonce', () => {
    expect(() => new NodeHandshake(room, null)).toThrow(/no valid coordinator fingerprint/);
    const coordinator = new CoordinatorIdentity(room, generateKeyPair());
    const node = new NodeHandshake(room, coordinator.fingerprint);
    expect(node.acceptWelcome({ nodeId: 'n', protocolVersion: 1, heartbeatIntervalMs: 1000 })).toEqual({ ok: false, reason: 'the welcome is not signed' });
    expect(() => coordinator.welcome({}, 'n', 1, 1000)).toThrow(/no nonce/);
    expect(() => coordinator.sign('stranger', '{}')).toThrow(/no session with node stranger/);
  });
});
