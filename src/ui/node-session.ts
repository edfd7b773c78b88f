/**
 * Everything one edge node runs on a page, wired together: a PeerJS transport, the control-plane
 * EdgeNode, a runtime worker, and the NodeExecutor for slices. Used by the node page and by the
 * coordinator's simulated local nodes (which pass a slowdown and their own profile).
 */
import { transfer } from 'comlink';
import { sha256Hex } from '../graph/index';
import type { JoinToken, RoomId } from '../protocol/ids';
import type { BenchmarkReport } from '../protocol/messages';
import type { ProfileMessage } from '../protocol/run-messages';
import { openPeerTransport } from '../mesh/peerjs-transport';
import type { Transport } from '../mesh/transport';
import { EdgeNode, type NodeIdentity } from '../swarm/edge-node';
import { NodeExecutor, type SliceRuntime } from '../swarm/node-executor';
import type { SliceStore } from '../swarm/slice-store';
import { joinFingerprintFor, loadAppConfig, signalingFor } from './app-config';
import { startRuntimeWorker, type RuntimeClient } from './runtime-client';
import { benchmarkOrRestart, runSelfBenchmark } from './self-benchmark';

/** Adapt the worker to the executor: slice bytes cross by transfer. `current` is the worker now (replaced after a stalled benchmark). */
function sliceRuntime(current: () => RuntimeClient): SliceRuntime {
  return {
    load: (id, bytes, backend) => {
      const copy = bytes.slice();
      // Warmed before it reports deployed: its kernels compile now, not in the calibrating runs.
      return current().api.load(id, transfer(copy, [copy.buffer]), backend, { warm: true });
    },
    run: (id, feeds) => current().api.run(id, transfer(feeds, Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer))),
    unload: (id) => current().api.unload(id),
    setSlowdown: (s) => current().api.setSlowdown(s),
  };
}

/** Options of {@link startNodeSession}. */
export interface NodeSessionOptions {
  readonly room: RoomId;
  readonly token: JoinToken;
  /**
   * The join URL's `fp` (the coordinator's key fingerprint). Default: this page URL's `fp`, or, for
   * a coordinator tab's simulated nodes, the fingerprint of the key the tab keeps for the room.
   */
  readonly coordinatorFingerprint?: string;
  readonly identity: NodeIdentity;
  readonly store: SliceStore;
  /** WASM threads of this node's worker (default: as many as the page may use). */
  readonly numThreads?: number;
  /** Quota-style slowdown of this node's worker (simulated nodes), default 1. */
  readonly slowdown?: number;
  /** How the benchmark is obtained (e.g. reuse a saved one); default: run it in the worker. */
  readonly benchmark?: (runtime: RuntimeClient) => Promise<BenchmarkReport>;
  /** The carbon profile to report once welcomed (and via `sendProfile` later). */
  readonly profile?: () => Omit<ProfileMessage, 'kind'> | undefined;
  /** Told when the benchmark stalled and runs again in a fresh worker on one thread (self-benchmark.ts `benchmarkOrRestart`). */
  readonly onBenchmarkRetry?: (message: string, stalled: string) => void;
}

/** A running node. */
export interface NodeSession {
  readonly node: EdgeNode;
  readonly executor: NodeExecutor;
  readonly transport: Transport;
  /** The runtime worker slices run in (a fresh one after a stalled benchmark). */
  readonly runtime: RuntimeClient;
  /** Send the current carbon profile to the coordinator. */
  sendProfile(): void;
  stop(reason?: string): void;
}

/** Start a node and join the room; resolves once the join handshake settled (see node.state). */
export async function startNodeSession(options: NodeSessionOptions): Promise<NodeSession> {
  const config = await loadAppConfig();
  const slowdown = options.slowdown ?? 1;
  let stopped = false;
  let runtime = await startRuntimeWorker({ slowdown, ...(options.numThreads ? { numThreads: options.numThreads } : {}) });
  const transport = await openPeerTransport(signalingFor(config));
  // Load for heartbeats: the worker's busy share of the time since the previous heartbeat.
  let lastBusyMs = 0;
  let lastAtMs = performance.now();
  const load = (): number => {
    const now = performance.now();
    const busy: number = executor.busyMs;
    const share = now > lastAtMs ? (busy - lastBusyMs) / (now - lastAtMs) : 0;
    lastBusyMs = busy;
    lastAtMs = now;
    return Math.min(1, Math.max(0, share));
  };
  const node = new EdgeNode({
    transport,
    room: options.room,
    token: options.token,
    coordinatorFingerprint: options.coordinatorFingerprint ?? joinFingerprintFor(options.room),
    identity: options.identity,
    runBenchmark: async () => {
      const outcome = await benchmarkOrRestart(runtime, options.benchmark ?? runSelfBenchmark, () => startRuntimeWorker({ slowdown, numThreads: 1 }), options.onBenchmarkRetry);
      // A replaced worker took its sessions with it: parked slices are built again when next deployed.
      if (outcome.runtime !== runtime) executor.forgetParked();
      runtime = outcome.runtime;
      if (stopped) runtime.terminate();
      return outcome.report;
    },
    load,
  });
  const executor = new NodeExecutor({ node, transport, runtime: sliceRuntime(() => runtime), store: options.store, sha256: sha256Hex });
  executor.start();
  const sendProfile = () => {
    const profile = options.profile?.();
    if (profile && node.nodeId) node.sendToCoordinator({ kind: 'profile', ...profile });
  };
  // Once per welcome: after a rejoin the (new) coordinator needs the profile again.
  let sentFor = 0;
  node.onChange(() => {
    if (node.nodeId && sentFor !== node.welcomes) {
      sentFor = node.welcomes;
      sendProfile();
    }
  });
  await node.start();
  return {
    node,
    executor,
    transport,
    get runtime() {
      return runtime;
    },
    sendProfile,
    stop(reason = 'left') {
      stopped = true;
      node.stop(reason);
      void executor.stop();
      transport.stop();
      runtime.terminate();
    },
  };
}
