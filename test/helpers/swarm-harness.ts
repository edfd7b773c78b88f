/**
 * A whole swarm in one Node process for integration tests: a coordinator and k edge nodes over a
 * seeded FaultNetwork, each node running real onnxruntime-web slices through RuntimeService (the
 * worker's body, without the worker).
 */
import { FaultNetwork, type FaultNetworkOptions } from '../../src/mesh/fault-network';
import type { Transport } from '../../src/mesh/transport';
import { Coordinator } from '../../src/swarm/coordinator';
import { EdgeNode } from '../../src/swarm/edge-node';
import { NodeExecutor, type SliceRuntime } from '../../src/swarm/node-executor';
import { MemorySliceStore } from '../../src/swarm/slice-store';
import { coordinatorPeerId, newJoinToken, newRoomId } from '../../src/protocol/ids';
import { sha256Hex } from '../../src/graph/index';
import { RuntimeService } from '../../workers/runtime-service';
import { bundledReading } from '../../src/carbon/bundled-intensity';
import { estimatedPowerModel } from '../../src/carbon/power-model';
import { fingerprint, generateKeyPair } from '../../src/trust/identity';

/** One simulated node of the harness. */
export interface HarnessNode {
  readonly peerId: string;
  readonly node: EdgeNode;
  readonly executor: NodeExecutor;
  readonly store: MemorySliceStore;
}

/** One node to start: its name, the FLOP/s its fake benchmark reports, its grid zone. */
export interface HarnessNodeSpec {
  readonly name: string;
  readonly flopsPerSecond: number;
  readonly zone: string;
  /** Wrap the node's runtime (e.g. to make a slice throw or lie). */
  readonly wrapRuntime?: (runtime: SliceRuntime) => SliceRuntime;
  /** Wrap the node's transport (e.g. to make its links to other nodes fail to open). */
  readonly wrapTransport?: (transport: Transport) => Transport;
  /** Sessions of undeployed slices the node keeps loaded at most (NodeExecutor `parkedMax`). */
  readonly parkedMax?: number;
}

/** Options: fault network settings and the nodes. */
export interface HarnessOptions {
  readonly network?: FaultNetworkOptions;
  readonly nodes: readonly HarnessNodeSpec[];
  /** Nodes' pause between rejoin attempts, ms (default 200 here). */
  readonly rejoinDelayMs?: number;
  /** Time a node-to-node link has to authenticate, ms (default 5,000 as on pages). */
  readonly linkAuthTimeoutMs?: number;
}

/** Start a coordinator and the nodes; resolves when every node is ready. */
export async function startSwarm(options: HarnessOptions) {
  const network = new FaultNetwork(options.network ?? {});
  const room = newRoomId();
  const token = newJoinToken();
  // The coordinator's key, kept across restarts as the page keeps it in sessionStorage; nodes get
  // its fingerprint as the join URL's `fp`, like a node page opened from the join URL.
  const key = generateKeyPair();
  const fp = fingerprint(key.publicKey);
  const openCoordinator = () => {
    const c = new Coordinator({ transport: network.open(coordinatorPeerId(room)), room, token, key, heartbeatIntervalMs: 250, heartbeatTimeoutMs: 6000, goneLingerMs: 60_000 });
    c.start();
    return c;
  };
  let coordinator = openCoordinator();
  const nodes: HarnessNode[] = [];
  /** Benchmarks each node ran, by name (a rejoin must not run another). */
  const benchmarkRuns = new Map<string, number>();

  async function addNode(spec: HarnessNodeSpec): Promise<HarnessNode> {
    const opened = network.open(`node-${spec.name}`);
    const transport = spec.wrapTransport ? spec.wrapTransport(opened) : opened;
    const node = new EdgeNode({
      transport,
      room,
      token,
      coordinatorFingerprint: fp,
      rejoinDelayMs: options.rejoinDelayMs ?? 200,
      identity: { name: spec.name, deviceClass: 'laptop', hardwareConcurrency: 4, deviceMemoryGb: 8, webgpu: false, simulated: true },
      runBenchmark: async () => {
        const count = (benchmarkRuns.get(spec.name) ?? 0) + 1;
        benchmarkRuns.set(spec.name, count);
        return {
          model: 'fake',
          // Each measurement reads a little differently, as a real one does (the FLOP/s claimed stay).
          backends: [{ backend: 'wasm', available: true, medianMs: 1 + (count - 1) / 1000, runs: 1, flopsPerSecond: spec.flopsPerSecond }],
          threads: 1,
          crossOriginIsolated: false,
        };
      },
    });
    const service = new RuntimeService(async () => {
      throw new Error('no fetch in the harness');
    });
    await service.init({ wasmPaths: '', numThreads: 1 });
    const store = new MemorySliceStore();
    const runtime = spec.wrapRuntime ? spec.wrapRuntime(service) : service;
    const executor = new NodeExecutor({
      node, transport, runtime, store, sha256: sha256Hex,
      ...(options.linkAuthTimeoutMs !== undefined ? { linkAuthTimeoutMs: options.linkAuthTimeoutMs } : {}),
      ...(spec.parkedMax !== undefined ? { parkedMax: spec.parkedMax } : {}),
    });
    executor.start();
    const sendProfile = () =>
      node.sendToCoordinator({
        kind: 'profile',
        intensity: bundledReading(spec.zone),
        power: estimatedPowerModel({ deviceClass: 'laptop' }),
        slowdown: 1,
      });
    // After every welcome (first join and rejoins), as the node page does.
    let sentFor = 0;
    node.onChange(() => {
      if (node.nodeId && node.welcomes !== sentFor) {
        sentFor = node.welcomes;
        sendProfile();
      }
    });
    await node.start();
    const entry = { peerId: transport.localPeerId, node, executor, store };
    nodes.push(entry);
    return entry;
  }

  for (const spec of options.nodes) await addNode(spec);
  const readyCount = () => coordinator.nodes().filter((n) => n.state === 'ready' && n.profile).length;
  await waitFor(() => readyCount() === nodes.length, 10_000);
  return {
    network,
    room,
    token,
    /** The join URL's `fp`: the coordinator key's fingerprint. */
    fingerprint: fp,
    get coordinator() {
      return coordinator;
    },
    nodes,
    benchmarkRuns,
    /** Add a node later; resolves once the coordinator lists it ready with a profile. */
    async addNode(spec: HarnessNodeSpec): Promise<HarnessNode> {
      const entry = await addNode(spec);
      await waitFor(() => coordinator.nodes().some((n) => n.nodeId === entry.peerId && n.state === 'ready' && n.profile), 10_000);
      return entry;
    },
    /** A reloaded coordinator tab: the old one vanishes, a new one takes the room's id. */
    restartCoordinator(): Coordinator {
      network.disconnect(coordinatorPeerId(room));
      coordinator.stop();
      coordinator = openCoordinator();
      return coordinator;
    },
    async stop() {
      for (const n of nodes) {
        await n.executor.stop();
        n.node.stop();
      }
      coordinator.stop();
    },
  };
}

/** Poll a condition (a few ms apart) until it holds or the time runs out. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
