/**
 * Trust in a running swarm (issue 13, findings 4-7), over the in-memory network with real slices:
 * a rogue endpoint holding the join URL (room, token, fp) but no credential can neither run
 * anything on a node nor make it hold memory; an endpoint that takes the coordinator's id after it
 * leaves, with another key, gets nothing obeyed (nodes keep rejoining and say why), and the real
 * coordinator coming back gets them all; a replayed signed command is refused.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compareTensors, toPlanModel, type ModelProfile } from '../../src/graph/index';
import { planFixedSplit } from '../../src/plan/fixed-split';
import { RunController } from '../../src/swarm/run-controller';
import { Coordinator } from '../../src/swarm/coordinator';
import { toPlanNode } from '../../src/swarm/plan-inputs';
import { encodeTensorGroup } from '../../src/swarm/tensor-group';
import { encodeTensorFrames } from '../../src/protocol/tensor-frame';
import { coordinatorPeerId, type NodeId } from '../../src/protocol/ids';
import { PROTOCOL_VERSION, encodeMessage } from '../../src/protocol/messages';
import type { TensorData } from '../../src/runtime/tensor';
import { generateKeyPair, issueLinkCredential, encodePublicKey, newNonce } from '../../src/trust/identity';
import type { Link } from '../../src/mesh/transport';
import { tinyCnnCase } from '../helpers/tiny-model';
import { startSwarm, waitFor } from '../helpers/swarm-harness';

let profile: ModelProfile;
let input: Record<string, TensorData>;
let expected: Record<string, TensorData>;

beforeAll(async () => {
  ({ profile, input, expected } = await tinyCnnCase(5));
});

let stopSwarm: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopSwarm?.();
  stopSwarm = undefined;
});

const matches = (outputs: Record<string, TensorData>) => Object.entries(expected).every(([name, t]) => compareTensors(t, outputs[name]!).ok);
const FR = (name: string) => ({ name, flopsPerSecond: 1e9, zone: 'FR' });

describe('trust in a running swarm', { timeout: 120_000 }, () => {
  it('a rogue endpoint with the join URL but no credential runs nothing on a node and makes it hold nothing', async () => {
    // 2 s to authenticate (5 s on pages): time enough for the flood below to be dropped first.
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b')], linkAuthTimeoutMs: 2000 });
    stopSwarm = swarm.stop;
    const model = toPlanModel(profile);
    const run = new RunController({ coordinator: swarm.coordinator, profile, planNodes: (nodes) => planFixedSplit({ model, nodes: nodes.map(toPlanNode) }, 2) });
    await run.start();
    const deployment = run.currentDeployment!;
    const second = deployment.pipelines[0]!.stages[1]!;
    const target = swarm.nodes.find((n) => n.peerId === second.nodeId)!;
    const executionsBefore = target.executor.executions;
    const budgetBefore = target.executor.receiverStats.budget;

    // The rogue knows everything in the join URL and the run (ids, slice, input names), and signs a
    // credential for itself with its own key: what an attacker on the LAN can do.
    const rogue = swarm.network.open('rogue');
    const link = await rogue.connect(target.peerId);
    const rogueKey = generateKeyPair();
    const forged = issueLinkCredential(rogueKey, { room: swarm.room, runId: deployment.runId, peerId: 'rogue', nodeKey: encodePublicKey(rogueKey.publicKey), expiresAtMs: Date.now() + 60_000 });
    let sent = 0;
    // Well-formed input groups for the hosted slice (a real request would look like this)...
    const feeds = Object.fromEntries(second.slice.inputs.map((name) => [name, { dtype: 'float32', dims: [1, 4096], data: new Float32Array(4096).fill(1) } as TensorData]));
    for (let i = 0; i < 50; i++) for (const m of encodeTensorGroup({ runId: deployment.runId, requestId: 1000 + i, sliceIndex: second.sliceIndex }, feeds)) { link.send(m); sent++; }
    // ...and the 53-byte frames that once made a receiver allocate 65,535 slots each.
    for (let i = 0; i < 1500; i++) for (const m of encodeTensorFrames({ runId: deployment.runId, requestId: 5000 + i, sliceIndex: second.sliceIndex, tensorIndex: 0, tensorCount: 65_535, name: 'x' }, { dtype: 'uint8', dims: [0], data: new Uint8Array(0) })) { link.send(m); sent++; }
    // Then its hello, with the forged credential: refused, and the link closed.
    const closed = new Promise<void>((resolve) => link.onClose(() => resolve()));
    link.send(JSON.stringify({ kind: 'link-hello', credential: forged, nonce: newNonce() }));
    await closed;
    const stats = target.executor.receiverStats;
    expect(stats.links.refusedLinks).toBeGreaterThanOrEqual(1);
    expect(target.executor.lastRefusedLink).toMatch(/credential (names peer|signature does not verify)/);
    // Nothing the rogue sent was even assembled: no allocation, no execution.
    expect(stats.links.droppedBeforeAuth).toBeGreaterThanOrEqual(sent - 10);
    expect(stats.budget.heldBytes).toBe(budgetBefore.heldBytes); // (48 bytes: the id of the slice-bytes frame, against replays)
    expect(stats.budget.peakBytes).toBe(budgetBefore.peakBytes);
    expect(target.executor.executions).toBe(executionsBefore);

    // A link that never even says hello is closed within the handshake time, and counted.
    const silent = await swarm.network.open('silent').connect(target.peerId);
    const silentClosed = new Promise<void>((resolve) => silent.onClose(() => resolve()));
    for (const m of encodeTensorGroup({ runId: deployment.runId, requestId: 9999, sliceIndex: second.sliceIndex }, feeds)) silent.send(m);
    await silentClosed;
    expect(target.executor.receiverStats.links.refusedLinks).toBeGreaterThanOrEqual(2);
    expect(target.executor.executions).toBe(executionsBefore);

    // The swarm itself is untouched: its own nodes authenticated each other and a request runs.
    const outcome = await run.submit(input);
    expect(outcome.ok && matches(outcome.outputs)).toBe(true);
    expect(target.executor.executions).toBe(executionsBefore + 1);
    run.stop();
  });

  it('an endpoint that takes a departed upstream node\'s id, holding its credential, feeds nothing downstream', async () => {
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b')], linkAuthTimeoutMs: 400 });
    stopSwarm = swarm.stop;
    const model = toPlanModel(profile);
    // With one node left the run pauses rather than re-deploying: the downstream node keeps its
    // slice and its run's credentials, the strongest position for a thief.
    const run = new RunController({
      coordinator: swarm.coordinator,
      profile,
      planNodes: (nodes) => (nodes.length < 2 ? { ok: false as const, reason: 'this test needs two nodes', binding: 'input' as const } : planFixedSplit({ model, nodes: nodes.map(toPlanNode) }, 2)),
    });
    await run.start();
    expect((await run.submit(input)).ok).toBe(true);
    const deployment = run.currentDeployment!;
    const [first, second] = deployment.pipelines[0]!.stages;
    const downstream = swarm.nodes.find((n) => n.peerId === second!.nodeId)!;
    // The upstream node's credential is no secret (it shows it in every hello); its key is.
    const stolen = swarm.coordinator.linkCredential(first!.nodeId as NodeId, deployment.runId)!;
    const executionsBefore = downstream.executor.executions;
    const refusedBefore = downstream.executor.receiverStats.links.refusedLinks;
    swarm.network.disconnect(first!.nodeId);
    const thief = swarm.network.open(first!.nodeId);
    const link = await thief.connect(downstream.peerId);
    const closed = new Promise<void>((resolve) => link.onClose(() => resolve()));
    link.send(JSON.stringify({ kind: 'link-hello', credential: stolen, nonce: newNonce() }));
    link.send(JSON.stringify({ kind: 'link-proof', signature: 'A'.repeat(86) }));
    for (const m of encodeTensorGroup({ runId: deployment.runId, requestId: 4242, sliceIndex: second!.sliceIndex }, { x: { dtype: 'float32', dims: [4], data: new Float32Array(4) } })) link.send(m);
    await closed;
    expect(downstream.executor.receiverStats.links.refusedLinks).toBe(refusedBefore + 1);
    expect(downstream.executor.lastRefusedLink).toMatch(/link proof does not verify/);
    expect(downstream.executor.executions).toBe(executionsBefore);
    expect(downstream.executor.hosted().map((h) => h.runId)).toContain(deployment.runId);
    run.stop();
  });

  it('an endpoint that takes the coordinator\'s id with another key gets nothing obeyed; the real one gets every node back', async () => {
    const swarm = await startSwarm({ nodes: [FR('a'), FR('b')] });
    stopSwarm = swarm.stop;
    const [a, b] = swarm.nodes;
    // The coordinator leaves (a reload, a crash); an impostor with the join URL takes its id at once.
    swarm.network.disconnect(coordinatorPeerId(swarm.room));
    swarm.coordinator.stop();
    const impostor = new Coordinator({ transport: swarm.network.open(coordinatorPeerId(swarm.room)), room: swarm.room, token: swarm.token, key: generateKeyPair(), heartbeatIntervalMs: 250 });
    impostor.start();
    try {
      await waitFor(() => a!.node.refusedCoordinators >= 2 && b!.node.refusedCoordinators >= 2, 20_000);
      for (const n of [a!, b!]) {
        expect(['rejoining', 'joining']).toContain(n.node.state);
        expect(n.node.lastRefusal).toMatch(/refused the coordinator: coordinator key \S+ does not match the join URL's fingerprint/);
        expect(n.node.nodeId).toBeUndefined();
        // Whatever the impostor sends finds no session: nothing deployed, nothing benchmarked.
        impostor.send(n.peerId as NodeId, { kind: 'benchmark-request' });
        impostor.send(n.peerId as NodeId, { kind: 'undeploy', keepRunId: null });
        expect(n.executor.hosted()).toEqual([]);
      }
      expect([...swarm.benchmarkRuns.values()]).toEqual([1, 1]);
    } finally {
      swarm.network.disconnect(coordinatorPeerId(swarm.room));
      impostor.stop();
    }
    // The real coordinator (same key, kept with the room) comes back: the nodes rejoin it and run.
    const real = swarm.restartCoordinator();
    await waitFor(() => real.nodes().filter((n) => n.state === 'ready' && n.profile).length === 2, 20_000);
    const model = toPlanModel(profile);
    const run = new RunController({ coordinator: real, profile, planNodes: (nodes) => planFixedSplit({ model, nodes: nodes.map(toPlanNode) }, 2) });
    await run.start();
    const outcome = await run.submit(input);
    expect(outcome.ok && matches(outcome.outputs)).toBe(true);
    expect([...swarm.benchmarkRuns.values()]).toEqual([1, 1]);
    run.stop();
  });

  it('replayed signed commands are refused, on the same link and from an impostor replaying a whole session', async () => {
    const swarm = await startSwarm({ nodes: [FR('a')] });
    stopSwarm = swarm.stop;
    const a = swarm.nodes[0]!;
    const coordinatorLink = swarm.coordinator.linkOf(a.peerId as NodeId)!;
    // Record what the real coordinator sends from now on.
    const sentTexts: string[] = [];
    const send = coordinatorLink.send.bind(coordinatorLink);
    (coordinatorLink as { send: Link['send'] }).send = (payload) => {
      if (typeof payload === 'string') sentTexts.push(payload);
      send(payload);
    };
    expect(swarm.coordinator.send(a.peerId as NodeId, { kind: 'benchmark-request' })).toBe(true);
    await waitFor(() => swarm.benchmarkRuns.get('a') === 2 && a.node.state === 'ready', 5000);
    const signed = sentTexts[0]!;
    expect(JSON.parse(signed)).toMatchObject({ kind: 'signed', seq: expect.any(Number) });

    // The same signed text again, on the real link: refused, not obeyed.
    send(signed);
    // An unsigned command on the real link: refused too.
    send(encodeMessage({ kind: 'benchmark-request' }));
    await waitFor(() => a.node.refusedCommands === 2, 5000);
    expect(a.node.lastRefusal).toMatch(/refused a command: not a signed command/);
    expect(swarm.benchmarkRuns.get('a')).toBe(2);

    // An impostor that recorded the session replays it after the coordinator leaves: the welcome
    // and the command it replays were bound to the node's old nonce.
    const welcomeText = await new Promise<string>((resolve) => {
      // Capture a real welcome: the real coordinator answers a raw join of ours.
      void (async () => {
        const spy = await swarm.network.open('spy').connect(coordinatorPeerId(swarm.room));
        spy.onMessage((payload) => typeof payload === 'string' && resolve(payload));
        spy.send(encodeMessage({ kind: 'join', protocolVersion: PROTOCOL_VERSION, token: swarm.token, name: 'spy', deviceClass: 'laptop', hardwareConcurrency: 1, deviceMemoryGb: null, webgpu: false, simulated: false, nonce: newNonce(), nodeKey: encodePublicKey(generateKeyPair().publicKey) }));
      })();
    });
    expect(JSON.parse(welcomeText)).toMatchObject({ kind: 'welcome', signature: expect.any(String) });
    swarm.network.disconnect(coordinatorPeerId(swarm.room));
    swarm.coordinator.stop();
    const impostor = swarm.network.open(coordinatorPeerId(swarm.room));
    let replays = 0;
    impostor.onLink((link) => {
      link.onMessage(() => {
        replays++;
        link.send(welcomeText.replace(/"nodeId":"[^"]*"/, `"nodeId":${JSON.stringify(a.peerId)}`));
        link.send(signed);
      });
    });
    await waitFor(() => a.node.refusedCoordinators >= 2, 20_000);
    expect(replays).toBeGreaterThanOrEqual(2);
    expect(a.node.lastRefusal).toMatch(/welcome signature does not verify/);
    expect(a.node.nodeId).toBeUndefined();
    expect(swarm.benchmarkRuns.get('a')).toBe(2);
    impostor.stop();
  });
});
