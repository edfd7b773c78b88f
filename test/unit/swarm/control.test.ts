import { afterEach, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../../src/mesh/memory-transport';
import { Coordinator } from '../../../src/swarm/coordinator';
import { EdgeNode, type NodeIdentity } from '../../../src/swarm/edge-node';
import { coordinatorPeerId, newJoinToken, newRoomId } from '../../../src/protocol/ids';
import type { BenchmarkReport } from '../../../src/protocol/messages';
import { fingerprint, generateKeyPair, newNonce } from '../../../src/trust/identity';

const identity: NodeIdentity = {
  name: 'phone <b>1</b>',
  deviceClass: 'phone',
  hardwareConcurrency: 4,
  deviceMemoryGb: 4,
  webgpu: false,
  simulated: false,
};
const report: BenchmarkReport = {
  model: 'paddle-cls',
  backends: [{ backend: 'wasm', available: true, medianMs: 12.5, runs: 10 }],
  threads: 1,
  crossOriginIsolated: false,
};

/** Resolve when `predicate` holds after some change (no fixed sleeps). */
function until(subscribe: (fn: () => void) => () => void, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve();
    const timer = setTimeout(() => {
      off();
      reject(new Error('condition not reached'));
    }, timeoutMs);
    const off = subscribe(() => {
      if (predicate()) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function setup(options: { heartbeatIntervalMs?: number; heartbeatTimeoutMs?: number } = {}) {
  const network = new MemoryNetwork();
  const room = newRoomId();
  const token = newJoinToken();
  const coordinator = new Coordinator({ transport: network.open(coordinatorPeerId(room)), room, token, goneLingerMs: 200, ...options });
  coordinator.start();
  cleanups.push(() => coordinator.stop());
  const node = (overrides: Partial<ConstructorParameters<typeof EdgeNode>[0]> = {}) => {
    const n = new EdgeNode({ transport: network.open(), room, token, coordinatorFingerprint: coordinator.fingerprint, identity, runBenchmark: async () => report, ...overrides });
    cleanups.push(() => n.stop());
    return n;
  };
  return { network, room, token, coordinator, node };
}

describe('coordinator and edge node', () => {
  it('admits a node with the token, records its benchmark, and keeps its name as given', async () => {
    const { coordinator, node } = setup();
    const n = node();
    await n.start();
    await until((fn) => coordinator.onChange(fn), () => coordinator.nodes()[0]?.state === 'ready');
    const [record] = coordinator.nodes();
    expect(record?.name).toBe('phone <b>1</b>');
    expect(record?.benchmark?.backends[0]?.medianMs).toBe(12.5);
    expect(n.state).toBe('ready');
  });

  it('rejects a wrong token and a stale protocol version with a reason the node shows', async () => {
    const { coordinator, node } = setup();
    const wrong = node({ token: newJoinToken() });
    await wrong.start();
    expect(wrong.state).toBe('rejected');
    expect(wrong.error).toMatch(/wrong join token/);
    const stale = node({ protocolVersion: 0 });
    await stale.start();
    expect(stale.state).toBe('rejected');
    expect(stale.error).toMatch(/protocol version 0 is not supported: this coordinator speaks version 1/);
    expect(coordinator.nodes()).toHaveLength(0);
    expect(coordinator.rejectedLinks).toBe(2);
  });

  it('refuses a join link without a valid coordinator fingerprint, saying why, and never sends a join', async () => {
    const { coordinator, node } = setup();
    for (const fp of [undefined, null, '', 'not-a-fingerprint', 'A'.repeat(23)]) {
      const n = node({ coordinatorFingerprint: fp });
      await n.start();
      expect(n.state).toBe('error');
      expect(n.error).toMatch(/no valid coordinator fingerprint \(fp\).*Open the join link or QR code/);
    }
    expect(coordinator.nodes()).toHaveLength(0);
    expect(coordinator.rejectedLinks).toBe(0);
  });

  it('refuses a join without a nonce: the node could not verify the coordinator', async () => {
    const { network, room, token, coordinator } = setup();
    const link = await network.open('old-page').connect(coordinatorPeerId(room));
    const answer = new Promise<string>((resolve) => link.onMessage((m) => typeof m === 'string' && resolve(m)));
    link.send(JSON.stringify({ ...identity, kind: 'join', protocolVersion: 1, token }));
    expect(JSON.parse(await answer)).toMatchObject({ kind: 'reject', reason: expect.stringMatching(/no nonce/) });
    expect(coordinator.nodes()).toHaveLength(0);
  });

  it('reports an unknown room as such', async () => {
    const network = new MemoryNetwork();
    const n = new EdgeNode({ transport: network.open(), room: newRoomId(), token: newJoinToken(), coordinatorFingerprint: fingerprint(generateKeyPair().publicKey), identity, runBenchmark: async () => report });
    await n.start();
    expect(n.state).toBe('error');
    expect(n.error).toMatch(/does not exist/);
  });

  it('drops and counts malformed messages without losing the node', async () => {
    const { network, room, token, coordinator } = setup();
    const raw = network.open('raw');
    const link = await raw.connect(coordinatorPeerId(room));
    link.send('{broken');
    link.send(JSON.stringify({ kind: 'heartbeat', sentAtMs: 1, load: 0 }));
    link.send(JSON.stringify({ ...identity, kind: 'join', protocolVersion: 1, token, nonce: newNonce() }));
    await until((fn) => coordinator.onChange(fn), () => coordinator.nodes().length === 1);
    link.send(JSON.stringify({ kind: 'heartbeat', sentAtMs: 1, load: 7 }));
    link.send(new ArrayBuffer(8)); // binary is not control: ignored, not counted
    await until((fn) => coordinator.onDrop(fn), () => coordinator.droppedMessages === 3);
    expect(coordinator.nodes()[0]?.state).toBe('benchmarking');
  });

  it('declares a silent node gone, then removes it from the table', async () => {
    const { coordinator, node } = setup({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 });
    const n = node();
    await n.start();
    await until((fn) => coordinator.onChange(fn), () => coordinator.nodes()[0]?.state === 'ready');
    // Silence the node without closing its link: stop its heartbeat timer only.
    (n as unknown as { stopHeartbeat(): void }).stopHeartbeat();
    await until((fn) => coordinator.onChange(fn), () => coordinator.nodes()[0]?.state === 'gone');
    expect(coordinator.nodes()[0]?.goneReason).toMatch(/silent for \d+ ms/);
    await until((fn) => coordinator.onChange(fn), () => coordinator.nodes().length === 0);
  });

  it('does not drop nodes when the coordinator itself stalled', async () => {
    const network = new MemoryNetwork();
    const room = newRoomId();
    const token = newJoinToken();
    let skewMs = 0;
    const coordinator = new Coordinator({ transport: network.open(coordinatorPeerId(room)), room, token, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400, now: () => Date.now() + skewMs });
    coordinator.start();
    cleanups.push(() => coordinator.stop());
    const n = new EdgeNode({ transport: network.open(), room, token, coordinatorFingerprint: coordinator.fingerprint, identity, runBenchmark: async () => report });
    cleanups.push(() => n.stop());
    await n.start();
    await until((fn) => coordinator.onChange(fn), () => coordinator.nodes()[0]?.state === 'ready');
    skewMs = 10_000; // the coordinator's clock jumps as after a 10 s long task
    await new Promise((r) => setTimeout(r, 300));
    expect(coordinator.nodes()[0]?.goneReason).toBeUndefined();
    expect(coordinator.nodes()[0]?.state).toBe('ready');
  });

  it('notices a node that leaves', async () => {
    const { coordinator, node } = setup();
    const n = node();
    await n.start();
    await until((fn) => coordinator.onChange(fn), () => coordinator.nodes()[0]?.state === 'ready');
    n.stop('tab closed');
    await until((fn) => coordinator.onChange(fn), () => coordinator.nodes()[0]?.state === 'gone');
    expect(coordinator.nodes()[0]?.goneReason).toBe('left: tab closed');
  });

  it('ignores control messages from peers other than its coordinator', async () => {
    const { network, node } = setup();
    const n = node();
    await n.start();
    const intruder = network.open('intruder');
    const link = await intruder.connect(n['options'].transport.localPeerId);
    link.send(JSON.stringify({ kind: 'benchmark-request' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(n.droppedMessages).toBe(1);
    expect(n.state).toBe('ready');
  });
});
