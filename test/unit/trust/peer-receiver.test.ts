/**
 * The inbound tensor plane over in-memory links (issue 13, findings 4, 5 and 7): a rogue peer with
 * the join URL but no credential can neither get a frame assembled nor grow the node's memory, a
 * page that took a departed node's id is refused, and an authenticated but hostile peer is held to
 * the node's one budget.
 */
import { describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../../src/mesh/memory-transport';
import type { Link } from '../../../src/mesh/transport';
import { encodeTensorFrames } from '../../../src/protocol/tensor-frame';
import { ReceiverBudget } from '../../../src/protocol/receiver-budget';
import type { FrameGroup } from '../../../src/protocol/frame-assembler';
import { encodePublicKey, generateKeyPair, issueLinkCredential, type KeyPair } from '../../../src/trust/identity';
import { PeerReceiver, type LinkAuthContext } from '../../../src/trust/peer-receiver';

const room = 'room42';
const coordinator = generateKeyPair();
const MiB = 1024 * 1024;

function context(peerId: string, key: KeyPair = generateKeyPair(), runId = 1): LinkAuthContext {
  const credential = issueLinkCredential(coordinator, { room, runId, peerId, nodeKey: encodePublicKey(key.publicKey), expiresAtMs: Date.now() + 60_000 });
  return { room, localPeerId: peerId, nodeKey: key, credential, coordinatorKey: coordinator.publicKey, acceptRun: (r) => r === 1 };
}

const waitFor = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
};

function node(net: MemoryNetwork, peerId: string, ctx: LinkAuthContext | undefined, budget = new ReceiverBudget(16 * MiB)) {
  const transport = net.open(peerId);
  const groups: FrameGroup[] = [];
  const refused: string[] = [];
  const authenticated: Link[] = [];
  let auth = ctx;
  const receiver = new PeerReceiver({
    budget,
    authContext: () => auth,
    onGroup: (_link, group) => groups.push(group),
    onRefusedLink: (_link, reason) => refused.push(reason),
    onAuthenticated: (link) => authenticated.push(link),
  });
  transport.onLink((link) => receiver.attach(link));
  return { transport, receiver, groups, refused, authenticated, budget, setContext: (c: LinkAuthContext) => ((auth = c), receiver.refresh()) };
}

const tensor = { dtype: 'float32' as const, dims: [1, 8], data: Float32Array.from({ length: 8 }, (_, i) => i) };

describe('PeerReceiver', () => {
  it('authenticates two nodes of the run, then delivers their frames', async () => {
    const net = new MemoryNetwork();
    const a = node(net, 'a', context('a'));
    const b = node(net, 'b', context('b'));
    const link = await a.transport.connect('b');
    a.receiver.attach(link);
    await waitFor(() => a.authenticated.length === 1 && b.authenticated.length === 1);
    for (const m of encodeTensorFrames({ runId: 1, requestId: 5, sliceIndex: 1, tensorIndex: 0, tensorCount: 1, name: 'h' }, tensor)) link.send(m);
    await waitFor(() => b.groups.length === 1);
    expect(Array.from(b.groups[0]!.frames[0]!.tensor.data as Float32Array)).toEqual(Array.from(tensor.data));
    expect(b.receiver.stats).toMatchObject({ links: 1, authenticated: 1, droppedBeforeAuth: 0 });
  });

  it('waits for its own credential when a peer connects first', async () => {
    const net = new MemoryNetwork();
    const a = node(net, 'a', context('a'));
    const b = node(net, 'b', undefined);
    const link = await a.transport.connect('b');
    a.receiver.attach(link);
    await new Promise((r) => setTimeout(r, 20));
    expect(a.authenticated).toHaveLength(0);
    b.setContext(context('b'));
    await waitFor(() => a.authenticated.length === 1 && b.authenticated.length === 1);
  });

  it('gives a rogue with the join URL but no credential nothing: no frame assembled, no memory held, link closed', async () => {
    const net = new MemoryNetwork();
    let nowMs = 1_000_000;
    const budget = new ReceiverBudget(16 * MiB);
    const transport = net.open('victim');
    const groups: FrameGroup[] = [];
    const refused: string[] = [];
    const receiver = new PeerReceiver({ budget, authContext: () => context('victim'), onGroup: (_l, g) => groups.push(g), onRefusedLink: (_l, r) => refused.push(r), now: () => nowMs });
    transport.onLink((l) => receiver.attach(l));
    const rogue = net.open('rogue');
    const link = await rogue.connect('victim');
    const empty = { dtype: 'float32' as const, dims: [0], data: new Float32Array(0) };
    const big = { dtype: 'uint8' as const, dims: [4 * MiB], data: new Uint8Array(4 * MiB) };
    for (let i = 0; i < 1500; i++) link.send(encodeTensorFrames({ runId: 1, requestId: i, sliceIndex: 0, tensorIndex: 0, tensorCount: 65535, name: 'x' }, empty)[0]!);
    for (let i = 0; i < 20; i++) link.send(encodeTensorFrames({ runId: 1, requestId: i, sliceIndex: 0, tensorIndex: 0, tensorCount: 1, name: 'x' }, big)[0]!);
    for (const m of encodeTensorFrames({ runId: 1, requestId: 1, sliceIndex: 0, tensorIndex: 0, tensorCount: 1, name: 'x' }, tensor)) link.send(m);
    await waitFor(() => receiver.stats.droppedBeforeAuth === 1521);
    expect(groups).toHaveLength(0);
    expect(budget.stats.peakBytes).toBe(0);
    nowMs += 5001;
    receiver.tick();
    expect(refused[0]).toMatch(/not authenticated within 5000 ms/);
    await waitFor(() => link.closed);
    expect(receiver.stats).toMatchObject({ links: 0, refusedLinks: 1 });
  });

  it('refuses a page that took a departed node\'s id, even with that node\'s credential', async () => {
    const net = new MemoryNetwork();
    const downstream = node(net, 'down', context('down'));
    const departed = context('up');
    const thief = node(net, 'up', { ...departed, nodeKey: generateKeyPair() }); // same id and credential, not the key
    const link = await thief.transport.connect('down');
    thief.receiver.attach(link);
    await waitFor(() => downstream.refused.length === 1);
    expect(downstream.refused[0]).toMatch(/does not hold its credential's key/);
    link.send(encodeTensorFrames({ runId: 1, requestId: 1, sliceIndex: 0, tensorIndex: 0, tensorCount: 1, name: 'x' }, tensor)[0]!);
    await new Promise((r) => setTimeout(r, 20));
    expect(downstream.groups).toHaveLength(0);
  });

  it('holds an authenticated but hostile peer to the node budget, and frees it when the link closes', async () => {
    const net = new MemoryNetwork();
    const budget = new ReceiverBudget(8 * MiB);
    const victim = node(net, 'v', context('v'), budget);
    const insider = node(net, 'i', context('i'));
    const link = await insider.transport.connect('v');
    insider.receiver.attach(link);
    await waitFor(() => insider.authenticated.length === 1);
    const big = { dtype: 'uint8' as const, dims: [3 * MiB], data: new Uint8Array(3 * MiB) };
    for (let i = 0; i < 10; i++) link.send(encodeTensorFrames({ runId: 1, requestId: i, sliceIndex: 0, tensorIndex: 0, tensorCount: 1, name: 'x' }, big)[0]!);
    await waitFor(() => victim.receiver.stats.rejectedChunks === 8);
    expect(budget.stats.peakBytes).toBeLessThanOrEqual(8 * MiB);
    expect(budget.stats.rejected['over-budget']).toBe(8);
    link.close();
    await waitFor(() => budget.heldBytes === 0);
  });
});
