/**
 * choosePlacement, the run loop's placement choice: a k-way split needs k nodes at the start but
 * shrinks when re-planning with no spare; a forced backend places every slice on it; measured
 * links replace the LAN defaults in the predictions.
 */
import { describe, expect, it } from 'vitest';
import { choosePlacement, type RunSettings } from '../../../src/swarm/run-session';
import type { NodeRecord } from '../../../src/swarm/coordinator';
import { syntheticMobileNetV2 } from '../../../src/plan/synthetic-model';

const settings = (over: Partial<RunSettings> = {}): RunSettings => ({ model: 'm', mode: 'balanced', stages: 3, inferences: 1, ratePerSecond: 0, seed: 1, ...over });

function node(name: string, webgpu: boolean): NodeRecord {
  return {
    nodeId: `id-${name}` as NodeRecord['nodeId'], name, deviceClass: 'laptop', hardwareConcurrency: 4, deviceMemoryGb: 8, webgpu, simulated: false,
    state: 'ready', load: 0, lastSeenMs: 0,
    benchmark: {
      model: 'fake', threads: 1, crossOriginIsolated: false,
      backends: [
        { backend: 'wasm', available: true, medianMs: 1, runs: 1, flopsPerSecond: 5e9 },
        ...(webgpu ? [{ backend: 'webgpu' as const, available: true, medianMs: 9, runs: 1, flopsPerSecond: 5e8 }] : []),
      ],
    },
  };
}

describe('choosePlacement (run loop)', () => {
  const model = syntheticMobileNetV2();

  it('k on k nodes needs k ready nodes at the start, and uses the nodes left when re-planning', () => {
    const two = [node('a', false), node('b', false)];
    const start = choosePlacement(settings(), model, two, { replan: false });
    expect(start).toMatchObject({ ok: false, binding: 'input' });
    expect(!start.ok && start.reason).toBe('3 slices on 3 nodes need 3 ready nodes; 2 ready (a, b)');
    const again = choosePlacement(settings(), model, two, { replan: true });
    expect(again.ok && again.placement.pipelines[0]!.slices).toHaveLength(2);
    expect(again.ok && again.note).toBe('3 slices asked, 2 node(s) left: running 2 slices');
    const one = choosePlacement(settings(), model, [node('a', false)], { replan: true });
    expect(one.ok && one.note).toBe('3 slices asked, 1 node(s) left: running the whole model on one node');
  });

  it('a forced backend puts every slice on it, even where it is slower, and says when no node has it', () => {
    const nodes = [node('a', true), node('b', true), node('c', false)];
    const auto = choosePlacement(settings({ stages: 2 }), model, nodes, { replan: false });
    expect(auto.ok && auto.placement.pipelines.flatMap((p) => p.slices.map((s) => s.backend))).toEqual(['wasm', 'wasm']);
    const gpu = choosePlacement(settings({ stages: 2, backend: 'webgpu' }), model, nodes, { replan: false });
    expect(gpu.ok && gpu.placement.pipelines.flatMap((p) => p.slices.map((s) => s.backend))).toEqual(['webgpu', 'webgpu']);
    expect(gpu.ok && gpu.placement.pipelines[0]!.slices.map((s) => s.nodeId).sort()).toEqual(['id-a', 'id-b']);
    const none = choosePlacement(settings({ stages: 1, backend: 'webgpu' }), model, [node('c', false)], { replan: false });
    expect(!none.ok && none.reason).toBe('no ready node has a working webgpu backend');
  });

  it('measured links replace the LAN defaults: a slow link to a node shows in the hop times, and transfer CPU adds to the slices\' hosts', () => {
    const nodes = [node('a', false), node('b', false)];
    const plain = choosePlacement(settings({ stages: 2 }), model, nodes, { replan: false });
    const links = {
      planLinks: (ids: readonly string[]) => ids.map((id) => ({ fromId: 'coordinator', toId: id, latencyMs: 40, bandwidthBytesPerSecond: 1e6 }))
        .concat([{ fromId: 'id-a', toId: 'id-b', latencyMs: 40, bandwidthBytesPerSecond: 1e6 }]),
      transferCpuMsPerByte: () => 2e-5,
      has: () => true,
    };
    const measured = choosePlacement(settings({ stages: 2 }), model, nodes, { replan: false }, links);
    if (!plain.ok || !measured.ok) throw new Error('no placement');
    const hops = (p: typeof plain) => p.placement.pipelines[0]!.hops;
    const bytes = (p: typeof plain) => hops(p).reduce((a, h) => a + h.bytes, 0);
    // Each hop now takes latency + bytes at 1 MB/s, and the slow links move the cuts (within the
    // balance slack) to where no more bytes cross.
    for (const hop of hops(measured)) expect(hop.transferMs).toBeCloseTo(40 + hop.bytes / 1e3, 6);
    expect(bytes(measured)).toBeLessThanOrEqual(bytes(plain));
    // 20 ms per MB at each end of every hop: on links too fast to bind, throughput falls below what
    // the same links give without it.
    const fast = { ...links, planLinks: (ids: readonly string[]) => links.planLinks(ids).map((l) => ({ ...l, bandwidthBytesPerSecond: 1e9 })) };
    const [cpu, noCpu] = [fast, { ...fast, transferCpuMsPerByte: () => undefined }].map((l) => choosePlacement(settings({ stages: 2 }), model, nodes, { replan: false }, l));
    if (!cpu!.ok || !noCpu!.ok) throw new Error('no placement');
    expect(cpu!.placement.prediction.throughputPerSecond).toBeLessThan(noCpu!.placement.prediction.throughputPerSecond * 0.99);
    const slowest = Math.max(...measured.placement.pipelines[0]!.slices.map((s) => s.computeMs));
    expect(measured.placement.prediction.throughputPerSecond).toBeLessThan(1000 / slowest);
    const plainSlowest = Math.max(...plain.placement.pipelines[0]!.slices.map((s) => s.computeMs));
    expect(plain.placement.prediction.throughputPerSecond).toBeCloseTo(1000 / Math.max(plainSlowest, ...hops(plain).map((h) => h.bytes / 12.5e3)), 6);
  });

  it('times hops by the run\'s hop scale but keeps the links\' bandwidth as their capacity', () => {
    const nodes = [node('a', false), node('b', false)];
    const plain = choosePlacement(settings({ stages: 2 }), model, nodes, { replan: false });
    const scaled = choosePlacement(settings({ stages: 2 }), model, nodes, { replan: false, hopScale: 4 });
    if (!plain.ok || !scaled.ok) throw new Error('no placement');
    const [p, s] = [plain, scaled].map((r) => r.placement.pipelines[0]!);
    expect(s!.slices.map((x) => x.sliceRange)).toEqual(p!.slices.map((x) => x.sliceRange));
    for (const [i, hop] of s!.hops.entries()) expect(hop.transferMs).toBeCloseTo(4 * p!.hops[i]!.transferMs, 9);
    expect(scaled.placement.prediction.throughputPerSecond).toBeCloseTo(plain.placement.prediction.throughputPerSecond, 9);
  });

  it('a shared host is planned with at most the concurrency the run measured on it, never more than its cores', () => {
    const sim = ['a', 'b', 'c'].map((n) => ({ ...node(n, false), simulated: true }));
    const plan = (concurrency?: number) => {
      const r = choosePlacement(settings({ stages: 3 }), model, sim, { replan: true, ...(concurrency === undefined ? {} : { hostConcurrency: () => concurrency }) });
      if (!r.ok) throw new Error(r.reason);
      return r.placement;
    };
    const free = plan();
    const busy = free.pipelines[0]!.slices.reduce((a, s) => a + s.computeMs, 0);
    // 4 cores (hardwareConcurrency) are more than 3 stages use: the slowest stage (or a hop) binds.
    expect(free.prediction.throughputPerSecond).toBeGreaterThan(1000 / busy * 1.5);
    // Measured 1.2 executions at once: 1.2 cores' worth of slice compute.
    expect(plan(1.2).prediction.throughputPerSecond).toBeCloseTo((1000 * 1.2) / busy, 6);
    // Never more than the machine's cores, never below a quarter core.
    expect(plan(10).prediction.throughputPerSecond).toBeCloseTo(free.prediction.throughputPerSecond, 9);
    expect(plan(0.01).prediction.throughputPerSecond).toBeCloseTo((1000 * 0.25) / busy, 6);
  });
});
