/**
 * A node keeps the sessions of the slices it hosted loaded after they are undeployed (at most
 * PARKED_MAX, src/swarm/node-executor.ts), and a later deployment of the same slice takes its
 * session over: no bytes fetched, no session built. Under Node over the in-memory network with
 * real onnxruntime-web slices; every result still equals the whole model's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRunSession, type RunSettings } from '../../src/swarm/run-session';
import type { SliceRuntime } from '../../src/swarm/node-executor';
import { startSwarm } from '../helpers/swarm-harness';
import { wholeModelOutputs } from '../helpers/tiny-model';

let stopSwarm: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopSwarm?.();
  stopSwarm = undefined;
});

/** Counts the loads and unloads a node's runtime is asked for. */
function counting(counts: { loads: number; unloads: number }) {
  return (runtime: SliceRuntime): SliceRuntime => ({
    load: (id, bytes, backend) => (counts.loads++, runtime.load(id, bytes, backend)),
    unload: (id) => (counts.unloads++, runtime.unload(id)),
    run: (id, feeds) => runtime.run(id, feeds),
  });
}

const N = 4;
const settings = (pin: string[]): RunSettings => ({ model: 'tinycnn', mode: 'balanced', stages: pin.length, pin, inferences: N, ratePerSecond: 0, seed: 1, window: 1 });

describe('parked sessions', { timeout: 120_000 }, () => {
  it.each([
    // Default bound: the whole model on a comes back to a's parked session after the split.
    { parkedMax: undefined, loadsOfA: [1, 1, 2, 2], reused: [0, 1, 1, 2] },
    // One parked session: the split's slice pushes the whole model out, so it is built again.
    { parkedMax: 1, loadsOfA: [1, 1, 2, 3], reused: [0, 1, 1, 1] },
  ])('runs again on the same slices without building their sessions again (parkedMax $parkedMax)', async ({ parkedMax, loadsOfA, reused }) => {
    const { profile, expected } = await wholeModelOutputs('tinycnn', N);
    const a = { loads: 0, unloads: 0 };
    const b = { loads: 0, unloads: 0 };
    const swarm = await startSwarm({
      nodes: [
        { name: 'a', flopsPerSecond: 1e9, zone: 'FR', wrapRuntime: counting(a), ...(parkedMax !== undefined ? { parkedMax } : {}) },
        { name: 'b', flopsPerSecond: 1e9, zone: 'FR', wrapRuntime: counting(b), ...(parkedMax !== undefined ? { parkedMax } : {}) },
      ],
    });
    stopSwarm = swarm.stop;
    const executorOf = (name: string) => swarm.nodes.find((n) => swarm.coordinator.nodes().find((r) => r.nodeId === n.peerId)?.name === name)!.executor;
    const loads: number[] = [];
    const reuses: number[] = [];
    // The whole model on a; the same again; a 2-way split on a and b; the whole model on a again.
    for (const pin of [['a'], ['a'], ['a', 'b'], ['a']]) {
      const session = startRunSession(swarm.coordinator, profile, settings(pin), () => {}, { replanOnDrift: false });
      const outcomes = await session.done;
      session.controller.stop('test over');
      // Every result equals the whole model's, reused session or not.
      outcomes.forEach((o, i) => {
        if (!o.ok) throw new Error(o.reason);
        const [name, want] = Object.entries(expected[i]!)[0]!;
        const got = o.outputs[name]!;
        expect(got.dims).toEqual(want.dims);
        const diff = Math.max(...Array.from(got.data as Float32Array, (x, j) => Math.abs(x - Number((want.data as Float32Array)[j]))));
        expect(diff).toBeLessThan(1e-4);
      });
      // The undeploy reaches the nodes after the run: let it land before the next run deploys.
      await new Promise((r) => setTimeout(r, 100));
      loads.push(a.loads);
      reuses.push(executorOf('a').sessionsReused);
    }
    expect(loads).toEqual(loadsOfA);
    expect(reuses).toEqual(reused);
    expect(b.loads).toBe(1);
    // A node whose worker was replaced (src/ui/node-session.ts, a stalled benchmark) forgets its
    // parked sessions: the next deployment of the same slice builds it again, and it still answers right.
    const forgotten = executorOf('a').forgetParked();
    expect(forgotten).toBe(parkedMax ?? 2);
    const again = startRunSession(swarm.coordinator, profile, settings(['a']), () => {}, { replanOnDrift: false });
    const outcomes = await again.done;
    again.controller.stop('test over');
    expect(outcomes.map((o) => o.ok)).toEqual(Array(N).fill(true));
    expect([a.loads, executorOf('a').sessionsReused]).toEqual([loadsOfA.at(-1)! + 1, reused.at(-1)!]);
    await new Promise((r) => setTimeout(r, 100));
    // Stopping the node unloads every session it built, parked ones included.
    await swarm.stop();
    stopSwarm = undefined;
    // (less the forgotten ones: their worker is gone, so nothing unloads them).
    expect(a.unloads).toBe(a.loads - forgotten);
    expect(b.unloads).toBe(b.loads);
  });
});
