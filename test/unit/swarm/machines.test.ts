/**
 * Nodes that share a machine, learnt from the signaling server (issue 11, "Shared hosts"): the
 * coordinator asks which peers connect from which machine (signaling/hosts.ts), records it, and the
 * planner plans each shared machine as one host group, the coordinator's with the coordinator.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryNetwork } from '../../../src/mesh/memory-transport';
import { COORDINATOR_MACHINE, Coordinator, type HostLookup, type NodeRecord } from '../../../src/swarm/coordinator';
import { EdgeNode, type NodeIdentity } from '../../../src/swarm/edge-node';
import { SIMULATED_HOST_GROUP, hostGroupsOf, plannedHostGroups, toPlanNode } from '../../../src/swarm/plan-inputs';
import { coordinatorPeerId, newJoinToken, newRoomId } from '../../../src/protocol/ids';
import type { BenchmarkReport } from '../../../src/protocol/messages';
import { hostsFromAnswer } from '../../../src/ui/app-config';
import { machineLabels } from '../../../src/ui/machines';

const report: BenchmarkReport = { model: 'paddle-cls', backends: [{ backend: 'wasm', available: true, medianMs: 12.5, runs: 10, flopsPerSecond: 2e9 }], threads: 1, crossOriginIsolated: false };
const laptop = (name: string, extra: Partial<NodeIdentity> = {}): NodeIdentity => ({ name, deviceClass: 'laptop', hardwareConcurrency: 4, deviceMemoryGb: 8, webgpu: false, simulated: false, ...extra });

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A room whose nodes join with `identities`; `tags(ids)` plays the server (peer id -> tag by node name). */
async function room(identities: NodeIdentity[], tagOfName: (name: string | 'coordinator') => string | undefined | unknown, lookup?: HostLookup) {
  const network = new MemoryNetwork();
  const roomId = newRoomId();
  const token = newJoinToken();
  const asked: string[][] = [];
  const names = new Map<string, string>();
  const hostsOf: HostLookup = lookup ?? (async (ids) => {
    asked.push([...ids]);
    const out: Record<string, unknown> = {};
    for (const id of ids) {
      const tag = tagOfName(id === coordinatorPeerId(roomId) ? 'coordinator' : names.get(id)!);
      if (tag !== undefined) out[id] = tag;
    }
    return out as Record<string, string>;
  });
  const coordinator = new Coordinator({ transport: network.open(coordinatorPeerId(roomId)), room: roomId, token, hostsOf, hardwareConcurrency: 4 });
  coordinator.start();
  cleanups.push(() => coordinator.stop());
  for (const identity of identities) {
    const transport = network.open();
    names.set(transport.localPeerId, identity.name);
    const node = new EdgeNode({ transport, room: roomId, token, coordinatorFingerprint: coordinator.fingerprint, identity, runBenchmark: async () => report });
    cleanups.push(() => node.stop());
    await node.start();
  }
  const settled = () => coordinator.nodes().length === identities.length && coordinator.nodes().every((n) => n.state === 'ready');
  for (let i = 0; i < 200 && !settled(); i++) await new Promise((r) => setTimeout(r, 5));
  // Let the lookups finish.
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
  return { coordinator, asked, byName: (name: string) => coordinator.nodes().find((n) => n.name === name)! };
}

describe('machines learnt from the signaling server', () => {
  it('groups the nodes on the coordinator\'s machine with it and those of another machine apart; the rest keep a processor each', async () => {
    const tags: Record<string, string> = { coordinator: 'server', a: 'server', b: 'server', big: 'server', c: '1f2e3d4c5b6a7988', d: '1f2e3d4c5b6a7988', phone: '1f2e3d4c5b6a7988', e: '0a0b0c0d0e0f1011' };
    const { coordinator, asked, byName } = await room(
      [laptop('a'), laptop('b'), laptop('big', { hardwareConcurrency: 8 }), laptop('c'), laptop('d'), laptop('phone', { deviceClass: 'phone' }), laptop('e'), laptop('public')],
      (name) => tags[name],
    );
    // Every lookup names the coordinator itself, with the nodes whose machine is not known yet.
    expect(asked.length).toBeGreaterThan(0);
    for (const ids of asked) expect(ids[0]).toBe(coordinator.peerId);
    expect(byName('a').machine).toBe(COORDINATOR_MACHINE);
    expect(byName('b').machine).toBe(COORDINATOR_MACHINE);
    // Same address, other core count or device class: another machine (a NAT in the LAN shares addresses).
    expect(byName('big').machine).toBe('server/8/laptop');
    expect(byName('c').machine).toBe('1f2e3d4c5b6a7988/4/laptop');
    expect(byName('d').machine).toBe(byName('c').machine);
    expect(byName('phone').machine).toBe('1f2e3d4c5b6a7988/4/phone');
    expect(byName('public').machine).toBeUndefined();
    const nodes = coordinator.nodes();
    expect(hostGroupsOf(nodes)).toEqual([
      { id: SIMULATED_HOST_GROUP, cores: 4, withCoordinator: true },
      { id: '1f2e3d4c5b6a7988/4/laptop', cores: 4 },
    ]);
    expect(toPlanNode(byName('a')).hostGroup).toBe(SIMULATED_HOST_GROUP);
    expect(toPlanNode(byName('d')).hostGroup).toBe('1f2e3d4c5b6a7988/4/laptop');
    expect(toPlanNode(byName('public')).hostGroup).toBeUndefined();
    const labels = machineLabels(nodes);
    expect(['a', 'b', 'c', 'd', 'phone', 'e', 'big', 'public'].map((n) => labels.get(byName(n).nodeId) ?? '')).toEqual(['this machine', 'this machine', 'machine 1', 'machine 1', '', '', '', '']);
  });

  it('believes no tag that is not a short string, and keeps nodes unknown when the lookup fails, saying why', async () => {
    const odd = await room([laptop('a'), laptop('b')], (name) => (name === 'coordinator' ? 'server' : name === 'a' ? { toString: () => 'server' } : 'x'.repeat(65)));
    expect(odd.coordinator.nodes().map((n) => n.machine)).toEqual([undefined, undefined]);
    const failing = await room([laptop('a'), laptop('b')], () => 'server', async () => {
      throw new Error('GET /api/hosts answered 404: not found');
    });
    expect(failing.coordinator.nodes().map((n) => n.machine)).toEqual([undefined, undefined]);
    expect(failing.coordinator.machineLookupError).toBe('GET /api/hosts answered 404: not found');
    expect(hostGroupsOf(failing.coordinator.nodes())).toEqual([]);
  });

  it('reads only the asked peers\' string tags from the server\'s answer, and refuses an answer without hosts', () => {
    expect(hostsFromAnswer({ hosts: { a: 'server', b: 7, c: 'x'.repeat(65), d: 'abc', __proto__: { a: 'forged' } } }, ['a', 'b', 'c', 'e'])).toEqual({ a: 'server' });
    expect(() => hostsFromAnswer({ hosts: [] }, ['a'])).toThrow('GET /api/hosts answered no { hosts } object');
    expect(() => hostsFromAnswer('nope', ['a'])).toThrow('GET /api/hosts answered no { hosts } object');
  });

  it('counts simulated nodes on the coordinator\'s machine as before, and a lone node forms no group', () => {
    const record = (id: string, extra: Partial<NodeRecord>): NodeRecord => ({ ...laptop(id), nodeId: id as NodeRecord['nodeId'], state: 'ready', load: 0, lastSeenMs: 0, ...extra });
    expect(hostGroupsOf([record('s1', { simulated: true }), record('p1', { machine: COORDINATOR_MACHINE, hardwareConcurrency: 2 })])).toEqual([{ id: SIMULATED_HOST_GROUP, cores: 4, withCoordinator: true }]);
    expect(hostGroupsOf([record('p1', { machine: 'm/4/laptop' }), record('p2', { machine: 'n/4/laptop' })])).toEqual([]);
    // What moving a byte costs the coordinator's machine goes on its group only.
    const four = [record('s1', { simulated: true }), record('s2', { simulated: true }), record('p1', { machine: 'm/4/laptop' }), record('p2', { machine: 'm/4/laptop' })];
    expect(plannedHostGroups(four, 1e-4)).toEqual([
      { id: SIMULATED_HOST_GROUP, cores: 4, withCoordinator: true, transferCpuMsPerByte: 1e-4 },
      { id: 'm/4/laptop', cores: 4 },
    ]);
    expect(plannedHostGroups(four, undefined)).toEqual(hostGroupsOf(four));
  });
});
