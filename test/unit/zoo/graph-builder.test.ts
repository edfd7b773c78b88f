import { describe, expect, it } from 'vitest';
import { GraphBuilder, GraphBuilderError, ZOO_IR_VERSION, ZOO_OPSET } from '../../../src/zoo/graph-builder';
import { onnxProto } from '../../../src/zoo/onnx-proto';
import { createPrng } from '../../../src/zoo/prng';
import { runModel, seededInput } from './helpers';

function tinyGraph(seed: number): GraphBuilder {
  const b = new GraphBuilder({ name: 'tiny', seed });
  const x = b.input('x', ['batch', 4]);
  const w = b.weight('w', [3, 4], { kind: 'he', fanIn: 4, perOutputNorm: true });
  const bias = b.weight('b', [3], { kind: 'constant', value: 0.5 });
  b.output(b.op('Gemm', [x, w, bias], 'y', { transB: 1, alpha: { float: 1 } }), ['batch', 3]);
  return b;
}

describe('GraphBuilder', () => {
  it('writes opset, IR version, symbolic batch and sorted metadata', () => {
    const model = onnxProto.ModelProto.decode(tinyGraph(1).build({ docString: 'doc', metadata: { z: '1', a: '2' } }));
    expect(Number(model.irVersion)).toBe(ZOO_IR_VERSION);
    expect(model.opsetImport.map((o) => Number(o.version))).toEqual([ZOO_OPSET]);
    expect(model.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[0]?.dimParam).toBe('batch');
    expect(model.metadataProps.map((p) => p.key)).toEqual(['a', 'z']);
  });

  it('counts parameters and scales each output row to the He norm', () => {
    const b = tinyGraph(1);
    expect(b.paramCount).toBe(15);
    const model = onnxProto.ModelProto.decode(b.build({ docString: '', metadata: {} }));
    const raw = model.graph?.initializer?.find((t) => t.name === 'w')?.rawData ?? new Uint8Array();
    const w = new Float32Array(raw.slice().buffer);
    for (let row = 0; row < 3; row++) {
      const norm = Math.hypot(...w.subarray(row * 4, row * 4 + 4));
      expect(norm).toBeCloseTo(Math.SQRT2, 5);
    }
  });

  it('builds a model that onnxruntime-web runs with batch 2', async () => {
    const bytes = tinyGraph(5).build({ docString: '', metadata: {} });
    const { outputs } = await runModel(bytes, 'x', [seededInput([2, 4], 1)]);
    expect(outputs[0]?.dims).toEqual([2, 3]);
  });

  it('rejects duplicate names, unknown inputs and graphs without outputs', () => {
    const b = new GraphBuilder({ name: 'bad', seed: 0 });
    const x = b.input('x', [1]);
    expect(() => b.input('x', [1])).toThrow(GraphBuilderError);
    expect(() => b.op('Relu', ['nope'], 'y')).toThrow(/reads unknown tensor "nope"/);
    expect(() => b.output('nope', [1])).toThrow(GraphBuilderError);
    b.op('Relu', [x], 'y');
    expect(() => b.build({ docString: '', metadata: {} })).toThrow(/has no outputs/);
  });
});

describe('createPrng', () => {
  it('repeats its stream for a seed and stays within [0, 1)', () => {
    const a = createPrng(42);
    const b = createPrng(42);
    const values = Array.from({ length: 1000 }, () => a.uniform());
    expect(values).toEqual(Array.from({ length: 1000 }, () => b.uniform()));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(createPrng(43).uniform()).not.toBe(values[0]);
  });
});
