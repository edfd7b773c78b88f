/**
 * A whole swarm in one Node process for integration tests: a coordinator and k edge nodes over a
 * seeded FaultNetwork, each node running real onnxruntime-web slices through RuntimeService (the
 * worker's body, without the worker).
 */
import { FaultNetwork, type FaultNetworkOptions } from '../../src/mesh/fault-network';
import { Coordinator } from '../../src/swarm/coordinator';
import { EdgeNode } from '../../src/swarm/edge-node';
import { NodeExecutor } from '../../src/swarm/node-executor';
import { MemorySliceStore } from '../../src/swarm/slice-store';
import { coordinatorPeerId, newJoinToken, newRoomId } from '../../src/protocol/ids';
import { sha256Hex } from '../../src/graph/index';
import { RuntimeService } from '../../workers/runtime-service';
import { bundledReading } from '../../src/carbon/bundled-intensity';
import { estimatedPowerModel } from '../../src/carbon/power-model';

/** One simulated node of the harness. */
export interface HarnessNode {
  readonly peerId: string;
  readonly node: EdgeNode;
  readonly executor: NodeExecutor;
  readonly store: MemorySliceStore;
}

/** Options: fault network settings and per-node speeds (FLOP/s reported by the fake benchmark). */
export interface HarnessOptions {
  readonly network?: FaultNetworkOptions;
  readonly nodes: readonly { name: string; flopsPerSecond: number; zone: string }[];
}

/** Start a coordinator and the nodes; resolves when every node is ready. */
export async function startSwarm(options: HarnessOptions) {
  const network = new FaultNetwork(options.network ?? {});
  const room = newRoomId();
  const token = newJoinToken();
  const coordinator = new Coordinator({ transport: network.open(coordinatorPeerId(room)), token, heartbeatIntervalMs: 250, heartbeatTimeoutMs: 6000, goneLingerMs: 60_000 });
  coordinator.start();
  const nodes: HarnessNode[] = [];
  for (const spec of options.nodes) {
    const transport = network.open(`node-${spec.name}`);
    const node = new EdgeNode({
      transport,
      room,
      token,
      identity: { name: spec.name, deviceClass: 'laptop', hardwareConcurrency: 4, deviceMemoryGb: 8, webgpu: false, simulated: true },
      runBenchmark: async () => ({
        model: 'fake',
        backends: [{ backend: 'wasm', available: true, medianMs: 1, runs: 1, flopsPerSecond: spec.flopsPerSecond }],
        threads: 1,
        crossOriginIsolated: false,
      }),
    });
    const service = new RuntimeService(async () => {
      throw new Error('no fetch in the harness');
    });
    await service.init({ wasmPaths: '', numThreads: 1 });
    const store = new MemorySliceStore();
    const executor = new NodeExecutor({ node, transport, runtime: service, store, sha256: sha256Hex });
    executor.start();
    await node.start();
    node.sendToCoordinator({
      kind: 'profile',
      intensity: bundledReading(spec.zone),
      power: estimatedPowerModel({ deviceClass: 'laptop' }),
      slowdown: 1,
    });
    nodes.push({ peerId: transport.localPeerId, node, executor, store });
  }
  await waitFor(() => coordinator.nodes().filter((n) => n.state === 'ready' && n.profile).length === nodes.length, 10_000);
  return {
    network,
    coordinator,
    nodes,
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
