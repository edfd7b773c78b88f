import { describe, expect, it } from 'vitest';
import { FaultNetwork } from '../../../src/mesh/fault-network';
import { sendChunks } from '../../../src/mesh/chunked-sender';
import { encodeTensorFrames } from '../../../src/protocol/tensor-frame';
import { FrameAssembler, type FrameGroup } from '../../../src/protocol/frame-assembler';
import type { Link } from '../../../src/mesh/transport';

/** Two senders stream 3-tensor groups to one receiver over a jittery, seeded network. */
async function stream(network: FaultNetwork, requests: number) {
  const receiver = network.open('rx');
  const assemblers = new Map<Link, FrameAssembler>();
  const groups: FrameGroup[] = [];
  receiver.onLink((link) => {
    const assembler = new FrameAssembler();
    assemblers.set(link, assembler);
    link.onMessage((payload) => {
      if (typeof payload === 'string') return;
      const result = assembler.push(payload);
      if (result.kind === 'frame' && result.group) groups.push(result.group);
    });
  });
  const senders = await Promise.all(['s1', 's2'].map((id) => network.open(id).connect('rx')));
  await Promise.all(
    senders.map(async (link, runId) => {
      for (let requestId = 0; requestId < requests; requestId++) {
        const tensors = [new Float32Array(20_000).fill(requestId + 0.5), BigInt64Array.of(1n, BigInt(requestId)), Uint8Array.of(1, 0, 1)];
        const dtypes = ['float32', 'int64', 'bool'] as const;
        const messages = tensors.flatMap((data, i) =>
          encodeTensorFrames({ runId, requestId, sliceIndex: 2, tensorIndex: i, tensorCount: 3, name: `t${i}` }, { dtype: dtypes[i]!, dims: [data.length], data }, 16_384),
        );
        await sendChunks(link, messages, { highWaterBytes: 64_000, lowWaterBytes: 16_000 });
      }
    }),
  );
  return { groups, assemblers };
}

describe('tensor frames over a faulty network', () => {
  it('arrive whole and bit-exact through delays and cross-link reordering', async () => {
    const network = new FaultNetwork({ faults: { delayMs: 1, jitterMs: 5 } });
    const { groups } = await stream(network, 6);
    await expect.poll(() => groups.length, { timeout: 5000, message: `seed ${network.seed}` }).toBe(12);
    for (const group of groups) {
      const [activations, shape, mask] = group.frames;
      expect((activations!.tensor.data as Float32Array).every((v) => v === group.requestId + 0.5), `seed ${network.seed}`).toBe(true);
      expect(Array.from(shape!.tensor.data as BigInt64Array)).toEqual([1n, BigInt(group.requestId)]);
      expect(Array.from(mask!.tensor.data as Uint8Array)).toEqual([1, 0, 1]);
    }
    network.dispose();
  });

  it('leave incomplete frames after drops, which the receiver discards by age', async () => {
    const network = new FaultNetwork({ seed: 2024, rules: [{ from: 's2', faults: { dropRate: 0.3 } }] });
    const { groups, assemblers } = await stream(network, 4);
    await expect.poll(() => groups.filter((g) => g.runId === 0).length, { timeout: 5000 }).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lossy = [...assemblers.values()].find((a) => a.stats.pendingFrames > 0);
    expect(lossy, `seed ${network.seed}`).toBeDefined();
    expect(lossy!.discardOlderThan(0)).toBeGreaterThan(0);
    expect(lossy!.stats).toMatchObject({ pendingFrames: 0, heldBytes: 0 });
    network.dispose();
  });
});
