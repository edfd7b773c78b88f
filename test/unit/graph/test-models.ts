/** Small models for the graph tests, each exercising one structural feature. */
import { onnx } from '../../../src/graph/proto';
import { GraphBuilder, attr, floatTensor, int64Tensor, valueInfo, values } from './graph-builder';

/** x[1,4] -> MatMul(W1) -> Relu -> MatMul(W2) -> Add(b) -> y[1,3]. 4 nodes. */
export function chainModel(): Uint8Array {
  return new GraphBuilder()
    .input('x', ['batch', 4]).output('y', 1, ['batch', 3])
    .init(floatTensor('W1', [4, 8], values(32, 1))).init(floatTensor('W2', [8, 3], values(24, 2))).init(floatTensor('b', [3], values(3, 3)))
    .node('MatMul', ['x', 'W1'], ['h']).node('Relu', ['h'], ['a']).node('MatMul', ['a', 'W2'], ['m']).node('Add', ['m', 'b'], ['y'])
    .build();
}

/** x[1,16] -> Relu a; a -> Sigmoid b; a -> Neg c; Add(b, c) -> y. Cut at 2 carries a and b. */
export function diamondModel(): Uint8Array {
  return new GraphBuilder()
    .input('x', [1, 16]).output('y')
    .node('Relu', ['x'], ['a']).node('Sigmoid', ['a'], ['b']).node('Neg', ['a'], ['c']).node('Add', ['b', 'c'], ['y'])
    .build();
}

/** Residual block on [1,2,4,4]: a = Relu(x); b = Conv(a); c = Relu(b); d = Conv(c); y = Add(a, d). */
export function skipModel(): Uint8Array {
  const conv = [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1])];
  return new GraphBuilder()
    .input('x', [1, 2, 4, 4]).output('y')
    .init(floatTensor('K1', [2, 2, 3, 3], values(36, 4))).init(floatTensor('K2', [2, 2, 3, 3], values(36, 5)))
    .init(floatTensor('B1', [2], [0.1, -0.2]))
    .node('Relu', ['x'], ['a']).node('Conv', ['a', 'K1', 'B1'], ['b'], conv).node('Relu', ['b'], ['c'])
    .node('Conv', ['c', 'K2'], ['d'], conv).node('Add', ['a', 'd'], ['y'])
    .build();
}

/**
 * An If whose branches read the outer tensor `a` and the outer initializer `one` without taking
 * them as node inputs: a = Relu(x - half); s = ReduceSum(a); cond = Greater(s, zero);
 * y = If(cond, then: a + one, else: a - one).
 */
export function ifOuterScopeModel(): Uint8Array {
  const branch = (op: string, out: string) => new GraphBuilder().output(out, 1, [1, 8]).node(op, ['a', 'one'], [out]).graph(`${op}_branch`);
  return new GraphBuilder()
    .input('x', [1, 8]).output('y', 1, [1, 8])
    .init(floatTensor('half', [], [0.5])).init(floatTensor('zero', [], [0])).init(floatTensor('one', [1], [1]))
    .node('Sub', ['x', 'half'], ['xs']).node('Relu', ['xs'], ['a']).node('ReduceSum', ['a'], ['s'], [attr.int('keepdims', 0)])
    .node('Greater', ['s', 'zero'], ['cond'])
    .node('If', ['cond'], ['y'], [attr.graph('then_branch', branch('Add', 'then_y')), attr.graph('else_branch', branch('Sub', 'else_y'))])
    .build();
}

/** A shape branch whose int64 tensor crosses cuts: y = Reshape(Sigmoid(a), Concat(Unsqueeze(Gather(Shape(a), 0)), [-1])). */
export function shapeBranchModel(): Uint8Array {
  return new GraphBuilder()
    .input('x', [2, 3, 4]).output('y', 1, [2, 12])
    .init(int64Tensor('idx0', [], [0])).init(int64Tensor('axes0', [1], [0])).init(int64Tensor('minus1', [1], [-1]))
    .node('Relu', ['x'], ['a']).node('Shape', ['a'], ['shp']).node('Gather', ['shp', 'idx0'], ['n'], [attr.int('axis', 0)])
    .node('Unsqueeze', ['n', 'axes0'], ['u']).node('Concat', ['u', 'minus1'], ['ns'], [attr.int('axis', 0)])
    .node('Sigmoid', ['a'], ['b']).node('Reshape', ['b', 'ns'], ['y'])
    .build();
}

/** Two inputs, two outputs, one produced early: a = Add(x, z) is output y1 and feeds Neg -> Abs -> y2. */
export function multiOutputModel(): Uint8Array {
  return new GraphBuilder()
    .input('x', [1, 5]).input('z', [1, 5]).output('a').output('y2')
    .node('Add', ['x', 'z'], ['a']).node('Neg', ['a'], ['b']).node('Abs', ['b'], ['c']).node('Mul', ['c', 'x'], ['y2'])
    .build();
}

/** paddle2onnx style: weights as Constant nodes, all at the top; a Clip with an empty optional min input. */
export function constantWeightsModel(): Uint8Array {
  return new GraphBuilder()
    .input('x', [1, 4]).output('y')
    .constant(floatTensor('W1', [4, 4], values(16, 8))).constant(floatTensor('W2', [4, 2], values(8, 9)))
    .constant(floatTensor('cmax', [], [0.5]))
    .node('MatMul', ['x', 'W1'], ['h']).node('Clip', ['h', '', 'cmax'], ['c']).node('MatMul', ['c', 'W2'], ['y'])
    .build();
}

export { valueInfo };

/** Old style: opset 7, IR 3, every initializer also listed as a graph input. */
export function opset7Model(): Uint8Array {
  const b = new GraphBuilder()
    .input('x', [1, 4]).output('y')
    .init(floatTensor('W', [4, 4], values(16, 11))).init(floatTensor('c', [4], values(4, 12)))
    .node('MatMul', ['x', 'W'], ['h']).node('Add', ['h', 'c'], ['a']).node('Relu', ['a'], ['y']);
  b.inputs.push(valueInfo('W', [4, 4]), valueInfo('c', [4]));
  return b.build(7, 3);
}

/**
 * A Loop whose body reads the outer tensor `a` and outer initializer `step`: three iterations of
 * v = v + a * step, starting from v0 = Relu(x). Imports the ai.onnx.ml domain too (unused by
 * nodes, but slices must keep every opset import).
 */
export function loopOuterScopeModel(): Uint8Array {
  const body = new GraphBuilder()
    .input('iter', [], 7).input('cond_in', [], 9).input('v_in', [1, 6])
    .output('cond_out', 9, []).output('v_out', 1, [1, 6])
    .node('Identity', ['cond_in'], ['cond_out']).node('Mul', ['a', 'step'], ['as']).node('Add', ['v_in', 'as'], ['v_out'])
    .graph('body');
  const b = new GraphBuilder()
    .input('x', [1, 6]).output('y')
    .init(int64Tensor('trips', [], [3])).init(floatTensor('step', [], [0.25]))
    .node('Relu', ['x'], ['v0']).node('Sigmoid', ['x'], ['a']).node('Neg', ['v0'], ['n'])
    .node('Loop', ['trips', '', 'n'], ['y'], [attr.graph('body', body)]);
  return onnxWithOpsets(b, [{ domain: '', version: 13 }, { domain: 'ai.onnx.ml', version: 3 }]);
}

function onnxWithOpsets(b: GraphBuilder, opsetImport: { domain: string; version: number }[]): Uint8Array {
  return onnx.ModelProto.encode({ irVersion: 8, producerName: 'graph-builder', opsetImport, graph: b.graph('test') }).finish();
}
