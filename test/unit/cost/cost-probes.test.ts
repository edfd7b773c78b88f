import { describe, expect, it } from 'vitest';
import { indexModel, parseModel, profileModel, toPlanModel } from '../../../src/graph/index';
import { costProbes } from '../../../src/zoo/cost-probes';

describe('cost probes (src/zoo/cost-probes.ts)', () => {
  const probes = costProbes();

  it('hold the fixed probe and one probe per class; the same seed gives the same bytes', () => {
    expect(probes.map((p) => p.kind)).toEqual(['fixed', 'conv', 'depthwise', 'matmul', 'elementwise', 'memory']);
    const again = costProbes();
    probes.forEach((p, i) => expect(Buffer.from(p.bytes).equals(Buffer.from(again[i]!.bytes))).toBe(true));
  });

  for (const probe of costProbes()) {
    it(`${probe.kind}: its FLOPs are the profiler's, and every FLOP is in its own class`, async () => {
      const index = indexModel(parseModel(probe.bytes));
      const profile = await profileModel(index, probe.inputs.map((i) => ({ name: i.name, dims: i.dims })));
      expect(profile.totalFlops).toBe(probe.flops);
      if (probe.kind === 'fixed') return;
      const model = toPlanModel(profile);
      const ownFlops = model.nodeFlops.filter((_, i) => model.nodeOpClass![i] === probe.kind).reduce((a, b) => a + b, 0);
      expect(ownFlops).toBe(probe.flops);
    });
  }
});
