/**
 * Bad input on the run plane: a slice whose hash does not match, malformed and oversized frames, a
 * frame for an unknown request, results from a node that was not asked. Each is rejected and
 * counted, and never corrupts a result or stops the run.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { compareTensors, type ModelProfile } from '../../src/graph/index';
import { planFixedSplit } from '../../src/plan/fixed-split';
import { toPlanModel } from '../../src/graph/index';
import { RunController } from '../../src/swarm/run-controller';
import { toPlanNode } from '../../src/swarm/plan-inputs';
import { encodeTensorGroup } from '../../src/swarm/tensor-group';
import { encodeTensorFrames } from '../../src/protocol/tensor-frame';
import type { TensorData } from '../../src/runtime/tensor';
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

function matches(outputs: Record<string, TensorData>): boolean {
  return Object.entries(expected).every(([name, t]) => compareTensors(t, outputs[name]!).ok);
}

describe('run-plane bad input', { timeout: 180_000 }, () => {
  it('a node whose cached slice does not match the hash is refused and the run moves on', async () => {
    const swarm = await startSwarm({ nodes: [{ name: 'a', flopsPerSecond: 4e9, zone: 'FR' }, { name: 'b', flopsPerSecond: 1e9, zone: 'FR' }, { name: 'c', flopsPerSecond: 1e9, zone: 'FR' }] });
    stopSwarm = swarm.stop;
    // Node a's cache answers every hash with corrupted bytes.
    const poisoned = swarm.nodes[0]!;
    poisoned.store.get = async () => new Uint8Array([1, 2, 3]);
    const model = toPlanModel(profile);
    const run = new RunController({ coordinator: swarm.coordinator, profile, planNodes: (nodes) => planFixedSplit({ model, nodes: nodes.map(toPlanNode), mode: 'performance' }, 2) });
    await run.start();
    const outcome = await run.submit(input);
    expect(outcome.ok && matches(outcome.outputs)).toBe(true);
    expect(poisoned.executor.rejectedFrames).toBeGreaterThanOrEqual(1);
    expect(run.currentDeployment!.pipelines[0]!.stages.map((s) => s.nodeId)).not.toContain(poisoned.peerId);
    run.stop();
  });

  it('malformed, oversized, unknown-request and unsolicited frames are dropped and counted; results stay correct', async () => {
    const swarm = await startSwarm({ nodes: [{ name: 'a', flopsPerSecond: 1e9, zone: 'FR' }, { name: 'b', flopsPerSecond: 1e9, zone: 'PL' }] });
    stopSwarm = swarm.stop;
    const model = toPlanModel(profile);
    const run = new RunController({ coordinator: swarm.coordinator, profile, planNodes: (nodes) => planFixedSplit({ model, nodes: nodes.map(toPlanNode) }, 2) });
    await run.start();
    const first = run.currentDeployment!.pipelines[0]!.stages[0]!;
    const rogue = swarm.nodes.find((n) => n.peerId === first.nodeId)!; // not the last stage
    const link = rogue.node.coordinatorLink!;
    const droppedBefore = swarm.coordinator.droppedMessages;
    link.send(new Uint8Array([1, 2, 3, 4, 5]).buffer); // malformed
    // A first chunk that announces 3 GiB (header field 28: total payload bytes), over the 256 MiB limit.
    const [small] = encodeTensorFrames({ runId: 1, requestId: 9, sliceIndex: 0, tensorIndex: 0, tensorCount: 1, name: 'x' }, { dtype: 'uint8', dims: [4], data: new Uint8Array(4) });
    new DataView(small!).setUint32(28, 3 * 2 ** 30, true);
    link.send(small!);
    for (const m of encodeTensorGroup({ runId: run.currentDeployment!.runId, requestId: 777_777, sliceIndex: first.sliceIndex }, expected)) link.send(m); // unknown request
    // Malformed, oversized and unknown-request frames are refused by the result assembler itself.
    await waitFor(() => swarm.coordinator.droppedMessages >= droppedBefore + 3, 5000);
    expect(run.receiverBudget.stats.rejected['unknown-request']).toBe(1);
    // Results it was not asked for, from the first stage, for a real request in flight.
    const pending = run.submit(input);
    for (const m of encodeTensorGroup({ runId: run.currentDeployment!.runId, requestId: 1, sliceIndex: first.sliceIndex }, { [Object.keys(expected)[0]!]: { dtype: 'float32', dims: [1, 10], data: new Float32Array(10).fill(42) } })) link.send(m);
    const outcome = await pending;
    expect(outcome.ok && matches(outcome.outputs)).toBe(true);
    // A request id the coordinator never sent is refused on its first chunk, nothing held for it.
    expect(run.receiverBudget.stats.rejected['unknown-request']).toBe(2);
    expect(swarm.coordinator.droppedMessages).toBeGreaterThanOrEqual(droppedBefore + 4);
    expect(run.stats.completed).toBe(1);
    run.stop();
  });
});
