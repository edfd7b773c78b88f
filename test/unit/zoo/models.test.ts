import { describe, expect, it } from 'vitest';
import { buildEntry, CATALOGUE, UNTRAINED_LABEL } from '../../../src/zoo/catalogue';
import { loadZooModel, zooInfo, zooNames } from '../../../src/zoo/index';
import { onnxProto } from '../../../src/zoo/onnx-proto';
import { runModel, sameBytes, seededInput } from './helpers';
import { countGraph } from './mac-counter';

/**
 * Published MAC counts at batch 1 (conv + linear, the torchvision/fvcore convention): torchvision's
 * model docs give 0.30, 0.39 and 1.81 GFLOPS (which are GMACs); ViT-Tiny/16 is 1.26 GMACs in timm's
 * tables. PaddleOCR's classifier has no published figure, so it is checked against our own count.
 */
const PUBLISHED_MACS: Record<string, number> = {
  mobilenetv2: 300.8e6,
  'efficientnet-b0': 390e6,
  resnet18: 1814e6,
  'vit-tiny': 1260e6,
};

/** Published parameter counts (torchvision / timm); ours lack BN's second per-channel value. */
const PUBLISHED_PARAMS: Record<string, number> = {
  mobilenetv2: 3_504_872,
  'efficientnet-b0': 5_288_548,
  resnet18: 11_689_512,
  'vit-tiny': 5_717_416,
};

const MIB = 1024 * 1024;

describe('zoo models', () => {
  for (const name of zooNames()) {
    const info = zooInfo(name);
    it(`${name}: loads, runs, and gives finite input-dependent outputs of shape ${info.outputShape.join('x')}`, async () => {
      const bytes = await loadZooModel(name, { seed: 7 });
      const count = countGraph(bytes, { [info.inputName]: info.inputShape });
      expect(count.macs).toBe(info.macs);
      expect(count.params).toBe(info.params);
      expect(Object.values(count.outputShapes)).toEqual([info.outputShape]);
      const published = PUBLISHED_MACS[name];
      if (published !== undefined) expect(Math.abs(count.macs / published - 1)).toBeLessThan(0.03);
      const publishedParams = PUBLISHED_PARAMS[name];
      if (publishedParams !== undefined) expect(Math.abs(count.params / publishedParams - 1)).toBeLessThan(0.01);

      const { outputs, runMs } = await runModel(bytes, info.inputName, [seededInput(info.inputShape, 1), seededInput(info.inputShape, 2)]);
      const [a, b] = outputs.map((o) => Array.from(o.data as Float32Array));
      expect(outputs[0]?.dims).toEqual(info.outputShape);
      expect(a?.every(Number.isFinite) && b?.every(Number.isFinite)).toBe(true);
      expect(Math.max(...(a ?? [])) - Math.min(...(a ?? []))).toBeGreaterThan(1e-4);
      const largestChange = Math.max(...(a ?? []).map((v, i) => Math.abs(v - (b?.[i] ?? 0))));
      expect(largestChange).toBeGreaterThan(1e-4);
      console.info(`${name}: ${(count.macs / 1e6).toFixed(1)}M MACs, ${count.params} params, ${(bytes.byteLength / MIB).toFixed(2)} MiB, run ${runMs.map((t) => t.toFixed(0)).join('/')} ms`);
    });
  }

  it('labels every generated model as untrained in its metadata', () => {
    for (const entry of CATALOGUE.filter((e) => e.source === 'generated')) {
      const model = onnxProto.ModelProto.decode(buildEntry(entry, 0));
      const metadata = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key, p.value]));
      expect(zooInfo(entry.name).label).toBe(UNTRAINED_LABEL);
      expect(metadata['carbonedge.zoo.label']).toBe(UNTRAINED_LABEL);
      expect(metadata['carbonedge.zoo.macs']).toBe(String(entry.macs));
      expect(metadata['carbonedge.zoo.flops']).toBe(String(2 * entry.macs));
      expect(model.docString).toContain(UNTRAINED_LABEL);
    }
  });

  it('builds byte-identical models for the same seed and different ones for another seed', () => {
    for (const entry of CATALOGUE.filter((e) => e.source === 'generated')) {
      const first = buildEntry(entry, 11);
      expect(sameBytes(first, buildEntry(entry, 11))).toBe(true);
      expect(sameBytes(first, buildEntry(entry, 12))).toBe(false);
    }
  });
});
