import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FaultNetwork, mulberry32, type FaultNetworkOptions } from '../../../src/mesh/fault-network';
import { MemoryNetwork } from '../../../src/mesh/memory-transport';
import { LinkClosedError, SignalingError, type Link } from '../../../src/mesh/transport';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A hub and three spokes, each spoke sending numbered text messages to the hub. */
async function scenario(options: FaultNetworkOptions, perSpoke = 40) {
  const network = new FaultNetwork(options);
  const hub = network.open('hub');
  const arrivals: string[] = [];
  const closes: string[] = [];
  hub.onLink((link) => {
    link.onMessage((payload) => arrivals.push(String(payload)));
    link.onClose((reason) => closes.push(`${link.remotePeerId}: ${reason}`));
  });
  const ids = ['a', 'b', 'c'];
  const connecting = Promise.all(ids.map((id) => network.open(id).connect('hub')));
  await vi.advanceTimersByTimeAsync(1);
  const links = await connecting;
  for (let i = 0; i < perSpoke; i++) {
    links.forEach((link, k) => link.send(`${ids[k]}${i}`));
    await vi.advanceTimersByTimeAsync(1);
  }
  await vi.advanceTimersByTimeAsync(10_000);
  network.dispose();
  return { network, arrivals, closes, links };
}

/** Message numbers that arrived from one spoke, in arrival order. */
const from = (arrivals: string[], spoke: string) => arrivals.filter((m) => m.startsWith(spoke)).map((m) => Number(m.slice(1)));

describe('FaultNetwork', () => {
  it('replays the same decisions and the same arrival order from the same seed', async () => {
    const options = { seed: 1234, faults: { delayMs: 5, jitterMs: 40, dropRate: 0.2 } };
    const first = await scenario(options);
    const second = await scenario(options);
    expect(second.network.log).toEqual(first.network.log);
    expect(second.arrivals).toEqual(first.arrivals);
    const other = await scenario({ ...options, seed: 4321 });
    expect(other.arrivals).not.toEqual(first.arrivals);
  });

  it('keeps order within a link while reordering across links', async () => {
    const { arrivals, network } = await scenario({ seed: 99, faults: { jitterMs: 30 } });
    expect(arrivals).toHaveLength(120);
    for (const spoke of ['a', 'b', 'c']) expect(from(arrivals, spoke)).toEqual([...Array(40).keys()]);
    const sendOrder = [...Array(40).keys()].flatMap((i) => ['a', 'b', 'c'].map((s) => `${s}${i}`));
    expect(arrivals).not.toEqual(sendOrder);
    expect(network.seed).toBe(99);
  });

  it('drops whole messages at the configured rate on the chosen links only', async () => {
    const { arrivals, network } = await scenario({ seed: 7, rules: [{ from: 'b', faults: { dropRate: 0.5 } }] }, 200);
    expect(from(arrivals, 'a')).toHaveLength(200);
    expect(from(arrivals, 'c')).toHaveLength(200);
    const fromB = from(arrivals, 'b');
    expect(fromB.length).toBeGreaterThan(60);
    expect(fromB.length).toBeLessThan(140);
    expect(fromB).toEqual([...fromB].sort((x, y) => x - y));
    expect(network.log.filter((e) => e.action === 'drop').length).toBe(200 - fromB.length);
  });

  it('disconnects a peer after a number of messages: links close on both sides, it becomes unreachable', async () => {
    const network = new FaultNetwork({ seed: 3 });
    const hub = network.open('hub');
    const node = network.open('node');
    const errors: Error[] = [];
    node.onError((e) => errors.push(e));
    const hubSide: Link[] = [];
    hub.onLink((l) => hubSide.push(l));
    const connecting = node.connect('hub');
    await vi.advanceTimersByTimeAsync(1);
    const link = await connecting;
    const reasons: string[] = [];
    link.onClose((r) => reasons.push(`node: ${r}`));
    hubSide[0]!.onClose((r) => reasons.push(`hub: ${r}`));
    network.disconnectAfterMessages('node', 2);
    link.send('1');
    link.send('2');
    await vi.advanceTimersByTimeAsync(0);
    expect(() => link.send('3')).toThrow(LinkClosedError);
    expect(reasons).toEqual(['node: disconnected', 'hub: peer node disconnected']);
    expect(errors[0]).toBeInstanceOf(SignalingError);
    expect(errors[0]!.message).toContain('seed 3');
    await expect(hub.connect('node')).rejects.toThrow('no peer "node"');
  });

  it('disconnects a peer at a chosen time', async () => {
    const network = new FaultNetwork({ seed: 5 });
    network.open('hub');
    const node = network.open('node');
    const connecting = node.connect('hub');
    await vi.advanceTimersByTimeAsync(1);
    const link = await connecting;
    network.disconnectAfter('node', 500);
    await vi.advanceTimersByTimeAsync(499);
    expect(link.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(link.closed).toBe(true);
  });

  it('delivers messages sent before a close, and keeps the plain MemoryNetwork fault-free', async () => {
    for (const network of [new MemoryNetwork(), new FaultNetwork({ seed: 11, faults: { delayMs: 20, jitterMs: 20 } })]) {
      const hub = network.open('hub');
      const got: string[] = [];
      hub.onLink((l) => l.onMessage((p) => got.push(String(p))));
      const connecting = network.open('x').connect('hub');
      await vi.advanceTimersByTimeAsync(1);
      const link = await connecting;
      link.send('last words');
      link.close();
      await vi.advanceTimersByTimeAsync(100);
      expect(got).toEqual(['last words']);
    }
  });

  it('mulberry32 is deterministic and uniform enough', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(Math.max(...draws)).toBeLessThan(1);
  });
});
