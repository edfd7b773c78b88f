import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crossingAt, crossingBytesPerCut, flopsBeforeEachCut } from '../../../src/graph/cut-points';
import { InvalidCutsError, ModelTooLargeError, TooManyStagesError } from '../../../src/graph/errors';
import { parseInputShape } from '../../../src/graph/input-shapes';
import { indexModel } from '../../../src/graph/model-index';
import { parseModel } from '../../../src/graph/parse-model';
import { toPlanModel } from '../../../src/graph/plan-model';
import { profileModel, type ModelProfile } from '../../../src/graph/profile-model';
import { toNumber } from '../../../src/graph/proto';
import { sliceModel } from '../../../src/graph/slice-model';
import { balancedFlopsCuts, explicitCuts, minCrossingBytesCuts } from '../../../src/graph/stage-cuts';
import { verifySlices } from '../../../src/graph/verify-slices';
import {
  chainModel, constantWeightsModel, diamondModel, ifOuterScopeModel, loopOuterScopeModel, multiOutputModel, opset7Model, shapeBranchModel, skipModel,
} from './test-models';

async function profile(bytes: Uint8Array, shapes: string[] = []): Promise<ModelProfile> {
  return profileModel(indexModel(parseModel(bytes)), shapes.map(parseInputShape));
}

/** Every strictly increasing cut list with 1..maxCuts cuts over n nodes. */
function allCuts(n: number, maxCuts: number): number[][] {
  const out: number[][] = [];
  const walk = (from: number, acc: number[]) => {
    if (acc.length > 0) out.push([...acc]);
    if (acc.length === maxCuts) return;
    for (let c = from; c < n; c++) walk(c + 1, [...acc, c]);
  };
  walk(1, []);
  return out;
}

describe('crossing sets', () => {
  it('chain: one activation crosses each inner cut, graph inputs at 0 and outputs at n', async () => {
    const p = await profile(chainModel(), ['x=2x4']);
    expect([0, 1, 2, 3, 4].map((c) => crossingAt(p, c))).toEqual([['x'], ['h'], ['a'], ['m'], ['y']]);
    expect(crossingBytesPerCut(p)).toEqual([32, 64, 64, 24, 24]);
    expect(p.tensors.get('a')).toMatchObject({ dtype: 'float32', dims: [2, 8], bytes: 64 });
  });

  it('diamond: the shared tensor crosses until its last reader', async () => {
    const p = await profile(diamondModel());
    expect(crossingAt(p, 2)).toEqual(['a', 'b']);
    expect(crossingAt(p, 3)).toEqual(['b', 'c']);
    expect(crossingBytesPerCut(p)[2]).toBe(128);
  });

  it('skip connection: the residual tensor crosses every cut inside the block', async () => {
    const p = await profile(skipModel());
    for (const c of [2, 3, 4]) expect(crossingAt(p, c)).toContain('a');
    expect(crossingBytesPerCut(p)).toEqual([128, 128, 256, 256, 256, 128]);
  });

  it('If: outer-scope reads of the branches cross the cut before it', async () => {
    const p = await profile(ifOuterScopeModel());
    expect(crossingAt(p, 4)).toEqual(['a', 'cond']);
    expect(crossingAt(p, 3)).toEqual(['a', 's']);
  });

  it('Loop: the body outer-scope read crosses; extra opset domains survive slicing', async () => {
    const p = await profile(loopOuterScopeModel());
    expect(p.index.nodes.map((n) => n.opType)).toEqual(['Relu', 'Sigmoid', 'Neg', 'Loop']);
    expect(crossingAt(p, 2)).toEqual(['a', 'v0']);
    expect(crossingAt(p, 3)).toEqual(['a', 'n']);
    const last = parseModel((await sliceModel(p, [3]))[1]!.model);
    expect(last.opsetImport.map((o) => o.domain)).toEqual(['', 'ai.onnx.ml']);
    expect(last.graph!.initializer!.map((t) => t.name)).toEqual(['trips', 'step']);
  });

  it('shape branch: int64 shape tensors cross cuts', async () => {
    const p = await profile(shapeBranchModel());
    expect(crossingAt(p, 5)).toEqual(['a', 'ns']);
    expect(p.tensors.get('ns')).toMatchObject({ dtype: 'int64', dims: [2], bytes: 16 });
    expect(crossingAt(p, 2)).toEqual(['a', 'shp']);
    expect(crossingAt(p, 3)).toEqual(['a', 'n']);
  });

  it('a graph output produced early crosses every later cut; graph inputs read late cross too', async () => {
    const p = await profile(multiOutputModel());
    expect(crossingAt(p, 2)).toEqual(['a', 'b', 'x']);
    expect(crossingAt(p, 4)).toEqual(['a', 'y2']);
  });

  it('Constant-node weights never cross a cut', async () => {
    const p = await profile(constantWeightsModel());
    expect([0, 1, 2, 3].map((c) => crossingAt(p, c))).toEqual([['x'], ['h'], ['c'], ['y']]);
  });
});

describe('cut helpers', () => {
  it('balanced cuts minimise the heaviest stage, min-bytes cuts the crossing bytes', async () => {
    const p = await profile(skipModel());
    const flops = flopsBeforeEachCut(p);
    expect(flops[5]).toBe(p.totalFlops);
    const cuts = balancedFlopsCuts(p, 2);
    expect(cuts).toEqual([2]); // the two Convs (2 x 1152 FLOPs + bias) go to different stages
    expect(minCrossingBytesCuts(p, 2)).toEqual([1]);
    expect(minCrossingBytesCuts(p, 2, 0.6)).toEqual([2]);
  });

  it('rejects more stages than cut points and malformed explicit cuts, with numbers', async () => {
    const p = await profile(diamondModel());
    expect(() => balancedFlopsCuts(p, 5)).toThrow(TooManyStagesError);
    expect(() => balancedFlopsCuts(p, 5)).toThrow(/5 stages need 4 cut points, the model has 3/);
    expect(() => explicitCuts(4, [2, 2])).toThrow(InvalidCutsError);
    expect(() => explicitCuts(4, [4])).toThrow(/outside 1\.\.3/);
  });

  it('refuses a model over the memory limit with ModelTooLargeError', async () => {
    const idx = indexModel(parseModel(chainModel()));
    await expect(profileModel(idx, [parseInputShape('x=1x4')], { memoryLimitBytes: 100 })).rejects.toThrow(ModelTooLargeError);
  });

  it('toPlanModel gives per-position costs and n+1 crossing sizes', async () => {
    const p = await profile(chainModel(), ['x=2x4']);
    const plan = toPlanModel(p);
    expect(plan.nodeCount).toBe(4);
    expect(plan.nodeFlops).toEqual([2 * 2 * 8 * 4, 16, 2 * 2 * 3 * 8, 6]);
    expect(plan.nodeWeightBytes).toEqual([128, 0, 96, 12]);
    expect(plan.cutCrossingBytes).toEqual([32, 64, 64, 24, 24]);
    expect(plan.activationBytesPeak).toBe(128);
  });
});

describe('extracted slices', () => {
  it('are valid standalone models with only the weights they use and the original opsets', async () => {
    const p = await profile(chainModel(), ['x=2x4']);
    const slices = await sliceModel(p, [2]);
    const [s0, s1] = slices.map((s) => parseModel(s.model));
    expect(s0!.graph!.initializer!.map((t) => t.name)).toEqual(['W1']);
    expect(s1!.graph!.initializer!.map((t) => t.name)).toEqual(['W2', 'b']);
    expect(s1!.graph!.input!.map((v) => v.name)).toEqual(['a']);
    expect(s0!.graph!.output!.map((v) => v.name)).toEqual(['a']);
    expect(s1!.opsetImport.map((o) => toNumber(o.version))).toEqual([13]);
    expect(toNumber(s1!.irVersion)).toBe(8);
    expect(s1!.metadataProps.map((m) => m.key)).toEqual(['origin', 'carbonedge.slice']);
  });

  it('carry the Constant nodes and outer-scope initializers they read', async () => {
    const c = await sliceModel(await profile(constantWeightsModel()), [2]);
    expect(parseModel(c[1]!.model).graph!.node!.map((n) => n.opType)).toEqual(['Constant', 'MatMul']);
    const f = await sliceModel(await profile(ifOuterScopeModel()), [4]);
    expect(parseModel(f[1]!.model).graph!.initializer!.map((t) => t.name)).toEqual(['one']);
  });

  it('keep IR 3 initializer inputs for the weights they carry', async () => {
    const p = await profile(opset7Model());
    expect(p.index.graphInputs.map((v) => v.name)).toEqual(['x']);
    const [s0, s1] = (await sliceModel(p, [1])).map((s) => parseModel(s.model));
    expect(s0!.graph!.input!.map((v) => v.name)).toEqual(['x', 'W']);
    expect(s1!.graph!.input!.map((v) => v.name)).toEqual(['h', 'c']);
    expect(toNumber(s1!.irVersion)).toBe(3);
  });

  it('are byte-identical across runs and hashed with SHA-256', async () => {
    const bytes = skipModel();
    const a = await sliceModel(await profile(bytes), [2, 4]);
    const b = await sliceModel(await profile(bytes), [2, 4]);
    expect(a.map((s) => s.sha256)).toEqual(b.map((s) => s.sha256));
    for (const s of a) expect(s.sha256).toBe(createHash('sha256').update(s.model).digest('hex'));
  });

  const models: [string, () => Uint8Array, string[]][] = [
    ['chain', chainModel, ['x=2x4']], ['diamond', diamondModel, []], ['skip', skipModel, []],
    ['if-outer-scope', ifOuterScopeModel, []], ['shape-branch', shapeBranchModel, []],
    ['multi-output', multiOutputModel, []], ['constant-weights', constantWeightsModel, []], ['opset-7-ir-3', opset7Model, []], ['loop-outer-scope', loopOuterScopeModel, []],
  ];
  for (const [name, build, shapes] of models) {
    it(`${name}: chained slices equal the whole model for every cut set`, async () => {
      const bytes = build();
      const p = await profile(bytes, shapes);
      for (const cuts of allCuts(p.nodes.length, 3)) {
        const result = await verifySlices(p, await sliceModel(p, cuts), { modelBytes: bytes, seed: 3 });
        expect({ cuts, ok: result.ok, diff: result.maxAbsDiff <= 1e-6 }).toEqual({ cuts, ok: true, diff: true });
      }
    });
  }
});
